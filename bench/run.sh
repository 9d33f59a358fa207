#!/usr/bin/env sh
# Load test of the directory on PostgreSQL: synthetic data (created once), then the
# load script against gunicorn. See docs/benchmarks.md. Arguments go to load.py.
#   bench/run.sh                         # every scenario, 30 s each
#   bench/run.sh --scenarios search_facets --duration 60
set -eu
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
BENCH_DATABASE_URL=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/helice_bench}
export BENCH_DATABASE_URL
"$PYTHON" bench/generate_organizations.py --count "${BENCH_COUNT:-100000}" --seed "${BENCH_SEED:-2024}"
exec "$PYTHON" bench/load.py "$@"
