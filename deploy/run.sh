#!/usr/bin/env bash
# deploy/run.sh - build Candour and run every daemon on this machine.
#
# Installs the Debian packages it lacks (deploy/install-deps.sh run), builds
# Release into build/, and then:
#   - if CANDOUR_DB_URL is unset, starts a private PostgreSQL cluster in var/pg on
#     127.0.0.1:${CANDOUR_PG_PORT:-55432} (deploy/pg.sh) and points CANDOUR_DB_URL at it;
#   - applies the migrations (candourctl migrate);
#   - starts every daemon; each one's JSON log lines go to this terminal and are
#     appended to var/log/<service>.log; notify writes letters to var/spool;
#   - prints where each listens;
#   - on Ctrl-C or SIGTERM stops every daemon (SIGTERM, then SIGKILL after 15 s),
#     stops the private cluster and exits 0. If a daemon dies on its own it says
#     which, stops the rest and exits non-zero.
#
# Configuration is the CANDOUR_* environment variables below (the same names as in
# deploy/candour.env.sample, which docker-compose.yml uses). Set them in the
# environment, or put them in var/candour.env (KEY=value lines, sourced by bash
# with `set -a`), which this script reads if it exists. var/ is git-ignored.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT"

say() { printf 'run: %s\n' "$*" >&2; }

SERVICES=(intake routing investigation signoff notify reporting gateway)
PIDS=()
PG_STARTED=0
PG_DIR="$ROOT/var/pg"
STOP=""

# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
  local rc=$?
  if ((PG_STARTED)); then
    bash deploy/pg.sh stop "$PG_DIR" || say "could not stop the private cluster in $PG_DIR"
    PG_STARTED=0
  fi
  exit "$rc"
}
trap cleanup EXIT
# Until the daemons run, a signal just ends the script (and cleanup runs).
trap 'exit 130' INT
trap 'exit 143' TERM

bash deploy/install-deps.sh run

if [[ -f var/candour.env ]]; then
  say "reading var/candour.env"
  set -a
  # shellcheck disable=SC1091
  . var/candour.env
  set +a
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j2

for s in "${SERVICES[@]}"; do
  [[ -x "build/services/candour-$s" ]] || { say "build/services/candour-$s was not built"; exit 1; }
done
[[ -x build/services/candourctl ]] || { say "build/services/candourctl was not built"; exit 1; }

# ---- BEGIN candour-env ---------------------------------------------------------
# The variables the daemons read, with the run command's defaults, and the table
# of where each listens. tests/integration/test_compose.c checks that every
# CANDOUR_* name between BEGIN and END is in deploy/candour.env.sample.
# CANDOUR_DB_URL: admin URL; unset -> the private cluster (below).
# CANDOUR_DB_PASSWORD: password of the service roles, set by candourctl migrate; unset by default.
export CANDOUR_LOG_LEVEL=${CANDOUR_LOG_LEVEL:-info}
export CANDOUR_MIGRATIONS_DIR=${CANDOUR_MIGRATIONS_DIR:-$ROOT/deploy/migrations}
export CANDOUR_SPOOL_DIR=${CANDOUR_SPOOL_DIR:-$ROOT/var/spool}
export CANDOUR_PRINT_DIR=${CANDOUR_PRINT_DIR:-$ROOT/var/print}
export CANDOUR_INTAKE_PUBLIC_BIND=${CANDOUR_INTAKE_PUBLIC_BIND:-tcp://127.0.0.1:7100}
export CANDOUR_INTAKE_PUBLIC_ENDPOINT=${CANDOUR_INTAKE_PUBLIC_ENDPOINT:-tcp://127.0.0.1:7100}
export CANDOUR_INTAKE_KEY_FILE=${CANDOUR_INTAKE_KEY_FILE:-$ROOT/var/keys/intake.key}
export CANDOUR_INTAKE_PUBLIC_KEY=${CANDOUR_INTAKE_PUBLIC_KEY:-$ROOT/var/keys/intake.pub}
export CANDOUR_CLIENT_KEY_FILE=${CANDOUR_CLIENT_KEY_FILE:-$ROOT/var/keys/local.key}
# The suite's internal CURVE keys (made below on first run): the services' internal
# endpoints admit only them. Each daemon reads its own NAME.key there (or the file
# CANDOUR_INTERNAL_KEY_FILE names, set per daemon, never here) and every NAME.pub.
export CANDOUR_INTERNAL_KEYS=${CANDOUR_INTERNAL_KEYS:-$ROOT/var/keys/internal}
# candourctl's own key for the internal endpoints (ops)
export CANDOUR_OPS_KEY_FILE=${CANDOUR_OPS_KEY_FILE:-$CANDOUR_INTERNAL_KEYS/ops.key}
export CANDOUR_INTAKE_BIND=${CANDOUR_INTAKE_BIND:-tcp://127.0.0.1:7105}
export CANDOUR_INTAKE_ENDPOINT=${CANDOUR_INTAKE_ENDPOINT:-tcp://127.0.0.1:7105}
export CANDOUR_ROUTING_BIND=${CANDOUR_ROUTING_BIND:-tcp://127.0.0.1:7101}
export CANDOUR_ROUTING_ENDPOINT=${CANDOUR_ROUTING_ENDPOINT:-tcp://127.0.0.1:7101}
export CANDOUR_INVESTIGATION_BIND=${CANDOUR_INVESTIGATION_BIND:-tcp://127.0.0.1:7102}
export CANDOUR_INVESTIGATION_ENDPOINT=${CANDOUR_INVESTIGATION_ENDPOINT:-tcp://127.0.0.1:7102}
export CANDOUR_SIGNOFF_BIND=${CANDOUR_SIGNOFF_BIND:-tcp://127.0.0.1:7103}
export CANDOUR_SIGNOFF_ENDPOINT=${CANDOUR_SIGNOFF_ENDPOINT:-tcp://127.0.0.1:7103}
export CANDOUR_NOTIFY_BIND=${CANDOUR_NOTIFY_BIND:-tcp://127.0.0.1:7104}
export CANDOUR_NOTIFY_ENDPOINT=${CANDOUR_NOTIFY_ENDPOINT:-tcp://127.0.0.1:7104}
export CANDOUR_REPORTING_BIND=${CANDOUR_REPORTING_BIND:-tcp://127.0.0.1:7106}
export CANDOUR_REPORTING_ENDPOINT=${CANDOUR_REPORTING_ENDPOINT:-tcp://127.0.0.1:7106}
export CANDOUR_INTAKE_ADMIN=${CANDOUR_INTAKE_ADMIN:-127.0.0.1:9100}
export CANDOUR_ROUTING_ADMIN=${CANDOUR_ROUTING_ADMIN:-127.0.0.1:9101}
export CANDOUR_INVESTIGATION_ADMIN=${CANDOUR_INVESTIGATION_ADMIN:-127.0.0.1:9102}
export CANDOUR_SIGNOFF_ADMIN=${CANDOUR_SIGNOFF_ADMIN:-127.0.0.1:9103}
export CANDOUR_NOTIFY_ADMIN=${CANDOUR_NOTIFY_ADMIN:-127.0.0.1:9104}
export CANDOUR_REPORTING_ADMIN=${CANDOUR_REPORTING_ADMIN:-127.0.0.1:9106}
export CANDOUR_GATEWAY_ADMIN=${CANDOUR_GATEWAY_ADMIN:-127.0.0.1:9105}
export CANDOUR_GATEWAY_HTTP=${CANDOUR_GATEWAY_HTTP:-127.0.0.1:8080}
export CANDOUR_RESPONSE_DAYS=${CANDOUR_RESPONSE_DAYS:-25}
export CANDOUR_UPDATE_DAYS=${CANDOUR_UPDATE_DAYS:-20}
export CANDOUR_DUE_SOON_DAYS=${CANDOUR_DUE_SOON_DAYS:-2}
export CANDOUR_CONTRIBUTION_DAYS=${CANDOUR_CONTRIBUTION_DAYS:-10}
export CANDOUR_DEADLINE_SCAN_MS=${CANDOUR_DEADLINE_SCAN_MS:-60000}
export CANDOUR_RETRY_BASE_MS=${CANDOUR_RETRY_BASE_MS:-1000}
export CANDOUR_RETRY_CAP_MS=${CANDOUR_RETRY_CAP_MS:-30000}
export CANDOUR_MAX_NAKS=${CANDOUR_MAX_NAKS:-5}
export CANDOUR_BANK_HOLIDAYS=${CANDOUR_BANK_HOLIDAYS:-$ROOT/deploy/bank-holidays.json}

# bus bind address of a service (the gateway has none)
bus_of() {
  case "$1" in
    intake) echo "$CANDOUR_INTAKE_PUBLIC_BIND (CURVE)" ;;
    routing) echo "$CANDOUR_ROUTING_BIND" ;;
    investigation) echo "$CANDOUR_INVESTIGATION_BIND" ;;
    signoff) echo "$CANDOUR_SIGNOFF_BIND" ;;
    notify) echo "$CANDOUR_NOTIFY_BIND" ;;
    reporting) echo "$CANDOUR_REPORTING_BIND" ;;
    gateway) echo "-" ;;
  esac
}
admin_of() {
  case "$1" in
    intake) echo "$CANDOUR_INTAKE_ADMIN" ;;
    routing) echo "$CANDOUR_ROUTING_ADMIN" ;;
    investigation) echo "$CANDOUR_INVESTIGATION_ADMIN" ;;
    signoff) echo "$CANDOUR_SIGNOFF_ADMIN" ;;
    notify) echo "$CANDOUR_NOTIFY_ADMIN" ;;
    reporting) echo "$CANDOUR_REPORTING_ADMIN" ;;
    gateway) echo "$CANDOUR_GATEWAY_ADMIN" ;;
  esac
}
print_table() {
  local s state
  printf '\nCandour is running. Ctrl-C (or SIGTERM to pid %s) stops it.\n\n' "$$"
  printf '  %-14s %-36s %-38s %s\n' service "bus (bind)" "admin: /healthz /readyz /metrics" state
  for s in "${SERVICES[@]}"; do
    state=${HEALTH[$s]:-"no answer yet"}
    printf '  %-14s %-36s %-38s %s\n' "$s" "$(bus_of "$s")" "http://$(admin_of "$s")/healthz" "$state"
  done
  printf '\n  gateway API     http://%s\n' "$CANDOUR_GATEWAY_HTTP"
  printf '  organisations connect to %s (CURVE; server key %s)\n' "$CANDOUR_INTAKE_PUBLIC_ENDPOINT" "$CANDOUR_INTAKE_PUBLIC_KEY"
  printf '  candourctl submit/send act as LOCAL-DEV with %s\n' "$CANDOUR_CLIENT_KEY_FILE"
  # never print a password
  printf '  database        %s\n' "$(sed -E 's#(://[^:/@]*):[^@]*@#\1:***@#' <<<"$CANDOUR_DB_URL")"
  printf '  logs            %s/var/log/<service>.log (level %s)\n' "$ROOT" "$CANDOUR_LOG_LEVEL"
  printf '  letters         %s\n' "$CANDOUR_SPOOL_DIR"
  printf '  print folder    %s\n' "$CANDOUR_PRINT_DIR"
  printf '  email relay     %s\n' "${CANDOUR_SMTP_URL:-none: letters by email stay in the spool}"
  printf '  migrations      %s\n\n' "$CANDOUR_MIGRATIONS_DIR"
}
# ---- END candour-env -----------------------------------------------------------

mkdir -p var/log "$CANDOUR_SPOOL_DIR" "$CANDOUR_PRINT_DIR"

if [[ -z "${CANDOUR_DB_URL:-}" ]]; then
  port=${CANDOUR_PG_PORT:-55432}
  PG_STARTED=1
  bash deploy/pg.sh start "$PG_DIR" "$port"
  CANDOUR_DB_URL=$(bash deploy/pg.sh url "$PG_DIR" "$port")
  export CANDOUR_DB_URL
fi

say "applying migrations from $CANDOUR_MIGRATIONS_DIR"
build/services/candourctl migrate </dev/null
# The KO41a category lists key issues are filed under (data; importing again changes nothing).
build/services/candourctl categories import deploy/categories/ko41a.csv >/dev/null
# The terms a response must explain on first use (sign-off's quality gate).
build/services/candourctl glossary import deploy/glossary/default.csv >/dev/null
# Candour's default letter templates: sign-off and footer, an ICB's covering letter.
build/services/candourctl templates import deploy/templates/default >/dev/null

# CURVE keys (made once, kept in var/keys): intake's server key, and a key for
# this machine's own organisation LOCAL-DEV, on the allow-list, which
# candourctl submit/send use by default from the repository root.
mkdir -p var/keys
chmod 700 var/keys
if [[ "$CANDOUR_INTAKE_KEY_FILE" == "$ROOT/var/keys/intake.key" && ! -f var/keys/intake.key ]]; then
  build/services/candourctl keygen --out var/keys/intake >/dev/null
  say "made intake's CURVE server key in var/keys/intake.key (public: var/keys/intake.pub)"
fi
if [[ ! -f var/keys/local.key ]]; then
  build/services/candourctl keygen --out var/keys/local >/dev/null
fi
build/services/candourctl org add LOCAL-DEV --name "This machine (candourctl)" \
  --key "$(head -n1 var/keys/local.pub)" >/dev/null
# The internal key set: one pair per daemon and one for candourctl (ops); only what
# is missing is made, an existing key is never overwritten. Rotate: make a new set
# (move this folder away), then restart everything.
build/services/candourctl keygen --internal "$CANDOUR_INTERNAL_KEYS" >/dev/null
say "internal CURVE keys in $CANDOUR_INTERNAL_KEYS"

# a daemon's pid is still "alive" to kill -0 while it is an unreaped zombie
alive() {
  local st
  st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ -n "$st" && "$st" != Z* ]]
}

stop_daemons() {
  local pid i deadline killed=()
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  deadline=$((SECONDS + 15))
  while ((SECONDS < deadline)); do
    local any=0
    for pid in "${PIDS[@]}"; do alive "$pid" && any=1; done
    ((any)) || break
    sleep 0.2 || true
  done
  for i in "${!PIDS[@]}"; do
    if alive "${PIDS[$i]}"; then
      kill -KILL "${PIDS[$i]}" 2>/dev/null || true
      killed+=("${NAMES[$i]}")
    fi
  done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  ((${#killed[@]} == 0)) || say "did not stop within 15 s, killed: ${killed[*]}"
  PIDS=()
  sleep 0.2 || true # let the log tees flush their last lines
}

NAMES=()
declare -A HEALTH=()
declare -A NAME_OF=()
trap 'STOP=INT' INT
trap 'STOP=TERM' TERM

for s in "${SERVICES[@]}"; do
  # the tee ignores INT/TERM so a daemon can log while it drains after Ctrl-C
  "build/services/candour-$s" </dev/null > >(
    trap '' INT TERM
    exec tee -a "var/log/$s.log"
  ) 2>&1 &
  PIDS+=($!)
  NAMES+=("$s")
  NAME_OF[$!]=$s
done

died() { # name pid status
  say "candour-$1 (pid $2) exited unexpectedly with status $3; stopping the others"
  stop_daemons
  exit 1
}

# Wait (bounded) for every admin port to answer /healthz, watching for deaths.
deadline=$((SECONDS + 20))
while [[ -z "$STOP" ]] && ((SECONDS < deadline)); do
  pending=0
  for i in "${!PIDS[@]}"; do
    s=${NAMES[$i]}
    if ! alive "${PIDS[$i]}"; then
      [[ -n "$STOP" ]] && break 2 # it went on the same Ctrl-C
      rc=0
      wait "${PIDS[$i]}" || rc=$?
      died "$s" "${PIDS[$i]}" "$rc"
    fi
    [[ -n "${HEALTH[$s]:-}" ]] && continue
    if curl -fsS -o /dev/null --max-time 1 "http://$(admin_of "$s")/healthz" 2>/dev/null; then
      HEALTH[$s]=up
    else
      pending=1
    fi
  done
  ((pending)) || break
  sleep 0.3 || true
done

[[ -n "$STOP" ]] || print_table

while [[ -z "$STOP" ]]; do
  dead=""
  rc=0
  wait -n -p dead "${PIDS[@]}" || rc=$?
  [[ -n "$STOP" ]] && break
  if [[ -n "$dead" ]]; then
    died "${NAME_OF[$dead]}" "$dead" "$rc"
  fi
  if ((rc == 127)); then
    say "no daemon left to wait for"
    exit 1
  fi
done

say "received SIG$STOP: stopping the daemons"
stop_daemons
say "all daemons stopped"
exit 0
