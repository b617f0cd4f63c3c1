#!/usr/bin/env bash
# Pinned, reproducible installs: write requirements/*.txt from pyproject.toml with uv, for
# CPython 3.11 on Linux x86_64 (glibc 2.36, Debian 12), every file with the SHA-256 of every
# distribution (pip then installs in hash-checking mode).
#
#   requirements/ci.txt      every extra together (what scripts/test.sh installs)
#   requirements/base.txt    the core dependencies alone
#   requirements/<extra>.txt the core dependencies and one extra (spark, postgres, web, ...)
#   requirements/build.txt   the build backend (hatchling, and editables for `pip install -e`),
#                            for `pip install --no-build-isolation`
#
# ci.txt is resolved first; every other file is resolved under it as a constraint, so a package
# has one version in every file. uv keeps the versions a file already pins (a refresh changes only
# what pyproject.toml's ranges force); to move to newer releases:
#
#   bash scripts/lock.sh --upgrade                      # everything
#   bash scripts/lock.sh --upgrade-package duckdb       # one package (repeatable)
#
# uv is taken from $UV, else from PATH, else installed (pinned) into a temporary venv.
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.8
uv=${UV:-$(command -v uv || true)}
if [ -z "$uv" ]; then
    tool=$(mktemp -d)
    trap 'rm -rf "$tool"' EXIT
    python3 -m venv "$tool/venv"
    "$tool/venv/bin/python" -m pip install -q "uv==$UV_VERSION"
    uv="$tool/venv/bin/uv"
fi

mkdir -p requirements
compile() {
    "$uv" pip compile --quiet --python-version 3.11 --python-platform x86_64-manylinux_2_36 \
        --generate-hashes --custom-compile-command "bash scripts/lock.sh" "$@"
}

extras=$(python3 -c 'import tomllib
print(" ".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]))')
build=$(python3 -c 'import tomllib
print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"]))')

compile pyproject.toml --all-extras -o requirements/ci.txt "$@"
compile pyproject.toml -c requirements/ci.txt -o requirements/base.txt "$@"
for extra in $extras; do
    compile pyproject.toml --extra "$extra" -c requirements/ci.txt -o "requirements/$extra.txt" "$@"
done
printf '%s\neditables\n' "$build" | compile - -o requirements/build.txt "$@"
