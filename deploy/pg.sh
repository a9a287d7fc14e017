#!/usr/bin/env bash
# deploy/pg.sh - a private PostgreSQL cluster for the run command and the tests.
#
#   deploy/pg.sh start DIR PORT   initdb DIR once, start it on 127.0.0.1:PORT, wait until
#                                 ready, ensure role and database `candour` exist
#   deploy/pg.sh stop DIR         pg_ctl stop -m fast (fine if it is not running)
#   deploy/pg.sh url DIR PORT     print the admin URL: postgresql://candour@127.0.0.1:PORT/candour
#
# Layout: DIR/data (PGDATA), DIR/run (unix socket), DIR/postgres.log.
# Authentication is `trust`, for unix-socket and 127.0.0.1 connections only; the
# server listens on 127.0.0.1 only. fsync stays on.
#
# initdb and postgres refuse to run as root. As root the cluster runs as the
# system user `postgres` if it exists (the Debian postgresql package creates it),
# else as a system user `candour-pg` created here; DIR is chowned to that user.
# That user must be able to traverse every parent directory of DIR: where it
# cannot (a checkout under /root, say), this script grants it search (x) on that
# directory with an ACL (setfacl, from the acl package), or, failing that, o+x,
# and says so. Not as root: the cluster runs as the calling user.
set -euo pipefail

die() {
  echo "pg.sh: $*" >&2
  exit 1
}
usage() {
  echo "usage: $0 start DIR PORT | stop DIR | url DIR PORT" >&2
  exit 2
}

# shellcheck source=deploy/pg-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/pg-lib.sh"

# Run a command as the cluster user, from DIR (so it never starts in a
# directory the user cannot read, such as /root).
as_user() {
  if [[ $(id -u) -ne 0 ]]; then
    (cd "$DIR" && "$@")
  else
    (cd "$DIR" && runuser -u "$PGUSER_OS" -- "$@")
  fi
}

# Make sure the cluster user can reach DIR through all its parents.
grant_traverse() {
  [[ $(id -u) -eq 0 ]] || return 0
  local p="" part
  local -a parts
  IFS=/ read -r -a parts <<<"${DIR#/}"
  for part in "${parts[@]}"; do
    p="$p/$part"
    [[ "$p" == "$DIR" ]] && break
    if ! runuser -u "$PGUSER_OS" -- test -x "$p" 2>/dev/null; then
      if command -v setfacl >/dev/null 2>&1 && setfacl -m "u:$PGUSER_OS:x" "$p" 2>/dev/null &&
        runuser -u "$PGUSER_OS" -- test -x "$p"; then
        echo "pg.sh: granted $PGUSER_OS search permission on $p (ACL u:$PGUSER_OS:x) so it can reach $DIR"
      else
        chmod o+x "$p"
        echo "pg.sh: made $p traversable (chmod o+x) so $PGUSER_OS can reach $DIR"
      fi
    fi
  done
}

cmd=${1:-}
[[ -n "$cmd" ]] || usage
DIR=${2:-}
[[ -n "$DIR" ]] || usage
PORT=${3:-}

url() { echo "postgresql://candour@127.0.0.1:$1/candour"; }

case "$cmd" in
  url)
    [[ "$PORT" =~ ^[0-9]+$ ]] || usage
    url "$PORT"
    exit 0
    ;;
  start)
    [[ "$PORT" =~ ^[0-9]+$ ]] || usage
    ;;
  stop) ;;
  *) usage ;;
esac

BIN=$(pg_find_bindir initdb pg_ctl)
if [[ "$cmd" == stop ]]; then
  [[ -d "$DIR/data" ]] || exit 0
  DIR=$(cd "$DIR" && pwd -P)
  PGUSER_OS=$(stat -c %U "$DIR/data")
  [[ $(id -u) -eq 0 || "$PGUSER_OS" == "$(id -un)" ]] || die "$DIR/data belongs to $PGUSER_OS"
  if as_user "$BIN/pg_ctl" status -D "$DIR/data" >/dev/null 2>&1; then
    as_user "$BIN/pg_ctl" stop -D "$DIR/data" -m fast -w -t 60 >/dev/null
    echo "pg.sh: stopped cluster in $DIR"
  fi
  exit 0
fi

# --- start ------------------------------------------------------------------
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd -P)
PGUSER_OS=$(pg_cluster_user)
if [[ $(id -u) -eq 0 ]]; then
  chown "$PGUSER_OS:" "$DIR"
  chmod 0700 "$DIR"
  grant_traverse
  runuser -u "$PGUSER_OS" -- test -w "$DIR" || die "$PGUSER_OS cannot write $DIR"
fi
SOCK="$DIR/run"
LOG="$DIR/postgres.log"
as_user mkdir -p "$SOCK"
# unix socket paths are limited to 107 bytes
((${#SOCK} + 20 < 107)) || die "socket path $SOCK is too long for a unix socket; use a shorter DIR"

if [[ ! -f "$DIR/data/PG_VERSION" ]]; then
  locale=C
  if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then locale=C.UTF-8; fi
  as_user rm -rf "$DIR/data"
  as_user "$BIN/initdb" -D "$DIR/data" -U candour -E UTF8 --locale="$locale" \
    -A trust >"$DIR/initdb.log" 2>&1 || {
    cat "$DIR/initdb.log" >&2
    die "initdb failed"
  }
  # trust, but only over the unix socket and 127.0.0.1
  as_user tee "$DIR/data/pg_hba.conf" >/dev/null <<'EOF'
# written by deploy/pg.sh: a private cluster for development and tests
local   all             all                     trust
host    all             all     127.0.0.1/32    trust
local   replication     all                     trust
host    replication     all     127.0.0.1/32    trust
EOF
  echo "include_if_exists = 'candour.conf'" | as_user tee -a "$DIR/data/postgresql.conf" >/dev/null
fi

# Port, address and socket directory are rewritten on every start.
as_user tee "$DIR/data/candour.conf" >/dev/null <<EOF
# written by deploy/pg.sh on every start
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$SOCK'
max_connections = 200
fsync = on
EOF

if as_user "$BIN/pg_ctl" status -D "$DIR/data" >/dev/null 2>&1; then
  echo "pg.sh: cluster in $DIR is already running"
else
  if ! as_user "$BIN/pg_ctl" start -D "$DIR/data" -l "$LOG" -w -t 60 >/dev/null; then
    tail -n 20 "$LOG" >&2 || true
    die "could not start the cluster in $DIR on 127.0.0.1:$PORT"
  fi
fi

# bounded wait until it answers on the TCP port we were asked for
ready=0
for _ in $(seq 1 60); do
  if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -d postgres -U candour; then
    ready=1
    break
  fi
  sleep 0.5
done
((ready)) || {
  tail -n 20 "$LOG" >&2 || true
  die "cluster in $DIR does not answer on 127.0.0.1:$PORT (running on another port? run: $0 stop $DIR)"
}

psql_admin() { as_user "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$PORT" -U candour -d postgres "$@"; }
if [[ "$(psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'candour'")" != 1 ]]; then
  die "role candour is missing from the cluster in $DIR"
fi
if [[ "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = 'candour'")" != 1 ]]; then
  psql_admin -c "CREATE DATABASE candour OWNER candour"
fi
echo "pg.sh: cluster in $DIR ready at $(url "$PORT") (runs as $PGUSER_OS)"
