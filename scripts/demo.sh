#!/usr/bin/env bash
# Embedded quick start: SQLite under ./var, a file-system Celery broker, one local worker.
# Called by `make demo` after the virtualenv is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
export DEBUG=${DEBUG:-1}
mkdir -p var

echo "== Database"
$PY manage.py migrate --no-input -v 0
echo "== BrainBench item bank"
$PY manage.py import_brainbench
echo "== Published model scores and human trials (study brainbench-2024)"
$PY manage.py import_published_scores
$PY manage.py import_published_trials
echo "== Demo study, researcher and administrator accounts"
$PY manage.py demo_setup --host "$HOST" --port "$PORT" | tee var/demo-login.txt

echo "== Worker (queues 'scoring', SmolLM2-135M on CPU, and 'reports', the dashboard's figures) - log in var/worker.log"
.venv/bin/celery -A braintrial worker -Q scoring,reports --pool solo --concurrency 1 \
  --loglevel INFO >var/worker.log 2>&1 &
WORKER_PID=$!
trap 'kill $WORKER_PID 2>/dev/null || true' EXIT INT TERM
$PY manage.py score --scorer smollm2-135m-instruct --study demo --background | sed -n 1p

echo
echo "== Serving on http://$HOST:$PORT/  (Ctrl-C stops the server and the worker)"
cat var/demo-login.txt
$PY manage.py runserver --noreload "$HOST:$PORT"
