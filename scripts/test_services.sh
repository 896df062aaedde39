#!/usr/bin/env bash
# Make sure the real things the tests use are here: Debian's Chromium, and a PostgreSQL server.
# Uses a PostgreSQL already answering on 127.0.0.1:5432 (trust auth, database "test"); otherwise
# installs Debian's server, starts it and creates a database for the tests. Writes .test-env.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
apt_updated=""
apt_install() {
  [ -n "$apt_updated" ] || { $SUDO apt-get update -qq; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Debian's Chromium for the browser tests…"
  apt_install chromium fonts-dejavu-core
fi
if ! command -v pdftotext >/dev/null 2>&1; then
  echo "Installing Debian's poppler-utils (pdftotext) for the call list's print test…"
  apt_install poppler-utils
fi
if ! command -v wrk >/dev/null 2>&1; then
  apt_install wrk || echo "wrk not installed (only the load-test script needs it)"
fi

db_url=""
if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432 && \
   psql -h 127.0.0.1 -U postgres -d test -c 'select 1' >/dev/null 2>&1; then
  db_url="postgresql+psycopg://postgres@127.0.0.1:5432/test"
else
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "Installing Debian's PostgreSQL server for the database tests…"
    apt_install postgresql postgresql-client
  fi
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  if [ -z "$version" ]; then
    version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    $SUDO pg_createcluster "$version" main >/dev/null
  fi
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  $SUDO -u postgres psql -q -c "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='directory_test') THEN CREATE ROLE directory_test LOGIN PASSWORD 'directory_test' CREATEDB; END IF; END\$\$;" 2>/dev/null \
    || su postgres -c "psql -q -c \"DO \\\$\\\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='directory_test') THEN CREATE ROLE directory_test LOGIN PASSWORD 'directory_test' CREATEDB; END IF; END\\\$\\\$;\""
  su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname='directory_test'\"" | grep -q 1 \
    || su postgres -c "createdb -O directory_test directory_test"
  db_url="postgresql+psycopg://directory_test:directory_test@127.0.0.1:5432/directory_test"
fi

# The drill that stops a database under load starts a server of its own: it needs the server programs.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "Installing Debian's PostgreSQL server programs for the database fault drill…"
  apt_install postgresql
fi

cat > .test-env <<ENV
export TEST_DATABASE_URL='$db_url'
export CHROMIUM_PATH='$(command -v chromium)'
ENV
echo "tests use PostgreSQL at ${db_url%%@*}@… and Chromium at $(command -v chromium)"
