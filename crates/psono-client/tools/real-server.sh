#!/usr/bin/env bash
# Runs `keyauth psono` (and psonoci, when PSONOCI points at it) against a real psono-server
# on 127.0.0.1: PostgreSQL 15 in a private directory, the server's requirements in a private
# venv, `manage.py migrate` and `runserver`, a user, API keys and secrets seeded as the web
# client would (real-server-seed.py), then the checks of real-server-check.py.
#
#   crates/psono-client/tools/real-server.sh SOURCE [WORKDIR]
#
# SOURCE: a psono-server checkout or bare git directory (github psono/psono-server, 7.2.3 was
#   checked); nothing of it is copied into this repository.
# WORKDIR: where the venv, database and logs go (default /tmp/keyauth-psono-real); the venv
#   is reused by later runs.
# Environment: KEYAUTH (default target/release/keyauth), PSONOCI (optional psonoci binary),
#   PORT (default 18710), PGPORT (default 18711). Needs python3 (3.11+), PostgreSQL 15
#   (initdb, pg_ctl: Debian's postgresql package) and PyPI for the first run.
# Prints one line per check and `N passed, M failed`; exits non-zero when a check failed.
set -euo pipefail

SOURCE=${1:?usage: real-server.sh SOURCE [WORKDIR]}
WORK=${2:-/tmp/keyauth-psono-real}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
PORT=${PORT:-18710}
PGPORT=${PGPORT:-18711}
KEYAUTH=${KEYAUTH:-$ROOT/target/release/keyauth}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)

# --- the server source ------------------------------------------------------------------
SRC=$WORK/psono-server
if [ -d "$SOURCE/objects" ] && [ -f "$SOURCE/HEAD" ]; then
  rm -rf "$SRC" && mkdir -p "$SRC"
  git --git-dir="$SOURCE" archive HEAD | tar -x -C "$SRC"
elif [ -f "$SOURCE/psono/manage.py" ]; then
  SRC=$(cd "$SOURCE" && pwd)
else
  echo "real-server.sh: $SOURCE is neither a psono-server checkout nor its git directory" >&2
  exit 2
fi
echo "psono-server $(head -c 40 "$SRC/psono/VERSION.txt" 2>/dev/null || echo '?')"

# --- python ------------------------------------------------------------------------------
VENV=$WORK/venv
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c "import django, nacl, psycopg" 2>/dev/null; then
  "$VENV/bin/pip" install -q -r "$SRC/requirements.txt"
fi

# --- PostgreSQL on 127.0.0.1 -------------------------------------------------------------
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$PGBIN" ] || PGBIN=$(dirname "$(command -v initdb || command -v pg_ctl)")
PGDATA=$WORK/pg
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ -f "$PGDATA/postmaster.pid" ]; then
  as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null 2>&1 || true
fi
rm -rf "$PGDATA" && mkdir -p "$PGDATA"
[ "$(id -u)" = 0 ] && chown postgres "$PGDATA" "$WORK"
as_pg "$PGBIN/initdb" -D "$PGDATA" -A trust -U postgres >"$WORK/initdb.log"
as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$WORK/pg.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGDATA" start >/dev/null

SERVER_PID=
cleanup() {
  set +e
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null 2>&1
}
trap cleanup EXIT
"$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -q \
  -c "CREATE USER psono WITH PASSWORD 'psono'" -c "CREATE DATABASE psono OWNER psono"

# --- settings.yaml (fresh keys from the server's own generator) ---------------------------
export PSONO_HOME=$WORK/home
mkdir -p "$PSONO_HOME/.psono_server"
{
  "$VENV/bin/python" "$SRC/psono/generateserverkeys.py" | grep -E '^[A-Z_]+: '
  cat <<YAML
DEBUG: False
ALLOWED_HOSTS: ['*']
ALLOWED_DOMAINS: ['example.com']
HOST_URL: 'http://127.0.0.1:$PORT'
EMAIL_FROM: 'noreply@example.com'
EMAIL_HOST: 'localhost'
EMAIL_PORT: 25
MANAGEMENT_ENABLED: False
CACHE_ENABLE: False
THROTTLE_RATE_API_KEY_LOGIN: '100000/hour'
THROTTLE_RATE_ANON: '1000000/day'
THROTTLE_RATE_USER: '1000000/day'
THROTTLE_RATE_INFO: '100000/hour'
DATABASES:
    default:
        'ENGINE': 'django.db.backends.postgresql'
        'NAME': 'psono'
        'USER': 'psono'
        'PASSWORD': 'psono'
        'HOST': '127.0.0.1'
        'PORT': '$PGPORT'
TEMPLATES: [{'BACKEND': 'django.template.backends.django.DjangoTemplates', 'DIRS': ['$SRC/psono/templates'], 'APP_DIRS': True, 'OPTIONS': {'context_processors': ['django.template.context_processors.debug', 'django.template.context_processors.request', 'django.contrib.auth.context_processors.auth', 'django.contrib.messages.context_processors.messages']}}]
YAML
} >"$PSONO_HOME/.psono_server/settings.yaml"

cd "$SRC/psono"
"$VENV/bin/python" manage.py migrate -v 0
PSONO2_SEED_OUT=$WORK/seed.json "$VENV/bin/python" manage.py shell <"$HERE/real-server-seed.py"

"$VENV/bin/python" manage.py runserver "127.0.0.1:$PORT" --noreload >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
  if "$VENV/bin/python" -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$PORT/info/', timeout=1)" 2>/dev/null; then
    break
  fi
  sleep 0.2
done

cd "$ROOT"
"$VENV/bin/python" "$HERE/real-server-check.py" "http://127.0.0.1:$PORT" "$WORK/seed.json" "$KEYAUTH" "${PSONOCI:-}"
