"""Targeting: welfare ranking (PMT), eligibility rules as data, accuracy and convergence.

DESIGN.md §6: targeting accuracy is measured, never assumed. Family features are built once
(:mod:`rpkd.targeting.features`) and serve the eligibility rules, the proxy-means test and the
convergence view alike.
"""
