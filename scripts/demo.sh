#!/usr/bin/env bash
# Embedded quick start: SQLite under ./var, a file-system Celery broker, two local workers.
# Called by `make demo` after the virtualenv is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
CELERY=${CELERY:-.venv/bin/celery}
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
# The logins (a password shown once) are printed once, below, just before the server starts.
$PY manage.py demo_setup --host "$HOST" --port "$PORT" >var/demo-login.txt

# Two workers, so that the dashboard's figures never wait behind a scoring chunk (minutes on a
# CPU): one for the queue 'scoring' (SmolLM2-135M on CPU), one for 'reports'.
WORKERS=()
stop_workers() {
  # Stop both workers, and reap them: none stays behind, running or defunct. A scoring chunk in
  # progress is not waited for (acks_late: the queue hands it out again at the next start).
  trap - EXIT INT TERM
  [ ${#WORKERS[@]} -eq 0 ] && return 0
  kill -TERM "${WORKERS[@]}" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "${WORKERS[@]}" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "${WORKERS[@]}" 2>/dev/null || true
  wait "${WORKERS[@]}" 2>/dev/null || true
  WORKERS=()
}
trap 'stop_workers' EXIT
trap 'stop_workers; exit 130' INT TERM
echo "== Workers: 'scoring' (log in var/worker-scoring.log), 'reports' (var/worker-reports.log)"
$CELERY -A braintrial worker -Q scoring --pool solo --concurrency 1 -n scoring@%h \
  --loglevel INFO >var/worker-scoring.log 2>&1 &
WORKERS+=($!)
$CELERY -A braintrial worker -Q reports --pool solo --concurrency 1 -n reports@%h \
  --loglevel INFO >var/worker-reports.log 2>&1 &
WORKERS+=($!)
$PY manage.py score --scorer smollm2-135m-instruct --study demo --background | sed -n 1p

echo
echo "== Serving on http://$HOST:$PORT/  (Ctrl-C stops the server and the workers)"
cat var/demo-login.txt
$PY manage.py runserver --noreload "$HOST:$PORT" || true
stop_workers
