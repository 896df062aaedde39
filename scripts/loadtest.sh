#!/usr/bin/env bash
# Load test: gunicorn on loopback with the national data, wrk for DURATION at CONNECTIONS over a
# mix of search URLs (pages and API): the hand-picked ones in scripts/loadtest_urls.txt and URL_COUNT
# more drawn from the data by scripts/loadtest_urls.py. Prints requests/s, p50/p99 and errors.
#   scripts/loadtest.sh                # 60 s, 64 connections, 24 + 2000 URLs
#   DURATION=20s CONNECTIONS=32 URL_COUNT=0 scripts/loadtest.sh
# Without DATABASE_URL it imports the bundle into a temporary SQLite instance (about 35 s). With it,
# it uses that database (importing the bundle if it is empty) and, unless INDEX_DIR is set too, builds
# the index in a temporary folder, so no other instance's index is touched. The instance of `make run`:
#   DATABASE_URL=sqlite:///$PWD/instance/directory.sqlite3 INDEX_DIR=$PWD/instance/index scripts/loadtest.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-60s}
CONNECTIONS=${CONNECTIONS:-64}
PORT=${PORT:-5400}
WORKERS=${WORKERS:-$(nproc)}
URL_COUNT=${URL_COUNT:-2000}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export DATABASE_URL=${DATABASE_URL:-sqlite:///$work/directory.sqlite3} INDEX_DIR=${INDEX_DIR:-$work/index}
# The API limit is per client address and wrk is one address: lift it for the measurement.
export SECRET_KEY=${SECRET_KEY:-loadtest-only} API_RATE_LIMIT="1000000 per second"
.venv/bin/python - <<'PY'
from pathlib import Path
from sqlalchemy import func, select
from directory import create_app
from directory.bundle import load_bundle
from directory.search.upkeep import ensure_index
from directory.db import db
from directory.models import Provider
app = create_app()
with app.app_context():
    if not db.session.scalar(select(func.count()).select_from(Provider)):
        load_bundle(Path(app.config["DATA_DIR"]), echo=lambda *_: None)
    ensure_index()
    print("providers:", db.session.scalar(select(func.count()).select_from(Provider).where(Provider.status == "active")))
PY
urls="$work/urls.txt"
.venv/bin/python scripts/loadtest_urls.py --count "$URL_COUNT" > "$urls"
WEB_CONCURRENCY=$WORKERS .venv/bin/gunicorn --config gunicorn.conf.py --bind 127.0.0.1:$PORT wsgi:app 2>/dev/null &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done
# Warm every worker's catalog and index before measuring.
for _ in $(seq 1 $((WORKERS * 4))); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/search?near=06708&q=detox"; done
echo "wrk: $DURATION, $CONNECTIONS connections, $(wc -l < "$urls") URLs, $WORKERS gunicorn workers, $(nproc) cores"
wrk -t"${WRK_THREADS:-2}" -c"$CONNECTIONS" -d"$DURATION" --timeout 10s -s scripts/loadtest.lua "http://127.0.0.1:$PORT" -- "$urls" \
  | tee /dev/stderr | grep '^RESULT' | sed 's/^RESULT //'
