#!/usr/bin/env bash
# The whole test suite on a fresh machine (Debian, Python 3.11, pip, apt; run as root or with sudo):
# installs what the tests need, starts a throw-away PostgreSQL, then lint, types, layers and pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

need=()
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
# Browser tests: Playwright drives Debian's Chromium (it cannot download a browser of its own).
[ -x /usr/bin/chromium ] || need+=(chromium)
# Documents: the PDF is the DOCX converted by LibreOffice Writer; poppler-utils reads it back.
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
if [ ${#need[@]} -gt 0 ]; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
# Pinned: every package (and the build backend) at the version and SHA-256 of the lock files
# (`bash scripts/lock.sh` writes them from pyproject.toml; docs/operations.md), then rpkd itself.
# uv (the version scripts/lock.sh locks with) installs them on both cores and byte-compiles them
# (nothing else writes .pyc files where PYTHONDONTWRITEBYTECODE is set): 55-65 s against pip's
# 123 s on the 2-core CI machine (2026-12-08). uv reads no pip configuration, so where it cannot
# install (no PyPI), pip does.
UV_VERSION=0.13.8
locked=(-r requirements/ci.txt -r requirements/build.txt)
if ! { .venv/bin/python -m pip install -q "uv==$UV_VERSION" &&
       .venv/bin/uv pip install -q --python .venv/bin/python --require-hashes --compile-bytecode \
           "${locked[@]}"; }; then
    echo "uv could not install the locked packages; pip installs them" >&2
    .venv/bin/python -m pip install -q "${locked[@]}"
fi
.venv/bin/python -m pip install -q --no-deps --no-build-isolation -e .

# A PostgreSQL server of our own, on a private socket and port, removed on exit.
pgbin=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
pgdir=$(mktemp -d /tmp/rpkd-pg.XXXXXX)
chmod 777 "$pgdir"
as_pg() { if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
if [ "$(id -u)" -eq 0 ]; then chown postgres "$pgdir"; fi
as_pg "'$pgbin/initdb' -D '$pgdir/data' -A trust -U rpkd >/dev/null"
as_pg "'$pgbin/pg_ctl' -D '$pgdir/data' -o \"-p 54329 -k '$pgdir' -c listen_addresses=127.0.0.1\" -l '$pgdir/log' -w start >/dev/null"
trap 'as_pg "\"$pgbin/pg_ctl\" -D \"$pgdir/data\" -m fast stop >/dev/null" || true; rm -rf "$pgdir"' EXIT
export RPKD_TEST_POSTGRES_URL="postgresql+psycopg://rpkd@127.0.0.1:54329/postgres"

.venv/bin/ruff check src tests benchmarks scripts
.venv/bin/ruff format --check src tests benchmarks scripts
.venv/bin/lint-imports
# Types are checked beside the tests (printed, and failing the run, after them): run first,
# mypy kept one of the two cores busy for a minute and left the other idle.
types=$(mktemp)
.venv/bin/mypy >"$types" 2>&1 &
mypy_pid=$!
# Each module, the Spark tests and the browser tests run on one worker each
# (tests/conftest.py: run_group), so their fixtures are built once. Three workers on the 2-core
# CI machine: tests wait on subprocesses, browsers, JVMs and sleeps, and two workers left a
# fifth of the CPU idle (2026-12-07, pytest: 34:15 with two, 29:57 with three). One BLAS
# thread per worker, as rpkd sets for itself (src/rpkd/__init__.py), also where a plugin
# imports numpy first.
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
status=0
.venv/bin/python -m pytest -n 3 --dist loadscope --durations=15 "$@" || status=$?
typed=0
wait "$mypy_pid" || typed=$?
cat "$types"
rm -f "$types"
[ "$typed" -eq 0 ] || exit "$typed"
exit "$status"
