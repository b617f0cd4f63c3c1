"""Releases: named, immutable, validated snapshots of registry, survey, village and list data."""
