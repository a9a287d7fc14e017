#!/usr/bin/env bash
# tests/compose/run.sh - docker-compose.yml built and run on a real Docker engine:
# builds the images (deploy/image.sh; a postgres stand-in from postgres.Dockerfile,
# as no registry is reachable), brings the stack up on free loopback ports, waits
# for every health check, submits a web-form complaint through the gateway's API,
# waits for its acknowledgement in notify's spool volume, restarts routing (once
# idle, once with a complaint arriving while it is down) and checks nothing was
# lost or sent twice, then takes everything down with its volumes.
# Not part of ctest: it needs a running engine (DOCKER_HOST) and root for the base.
#   usage: tests/compose/run.sh [--no-build]
# CANDOUR_COMPOSE_LIMIT: seconds for the whole run [2700]; CANDOUR_COMPOSE_ENV: a file
# of KEY=value lines added to the services' environment (after the sample's).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
DOCKER=${DOCKER:-docker}
export DOCKER DOCKER_BUILDKIT=${DOCKER_BUILDKIT:-0}
BASE_TAG=${CANDOUR_BASE_IMAGE:-candour-base:bookworm}
IMAGE_TAG=candour:local
PG_TAG=candour-test-postgres:15
DEADLINE=$((SECONDS + ${CANDOUR_COMPOSE_LIMIT:-2700}))
DAEMONS=(intake routing investigation signoff notify reporting gateway)
ONESHOTS=(migrate categories glossary templates)
PASSED=0

say() { printf 'compose: [%4ds] %s\n' "$SECONDS" "$*" >&2; }
fail() {
  say "FAILED: $*"
  exit 1
}
left() { echo $((DEADLINE - SECONDS)); }
ok() {
  PASSED=$((PASSED + 1))
  say "ok: $*"
}

BUILD=1
case "${1:-}" in
  "") ;;
  --no-build) BUILD=0 ;;
  -h | --help)
    sed -n '2,12p' "$0"
    exit 0
    ;;
  *) fail "unknown option $1" ;;
esac

if "$DOCKER" compose version >/dev/null 2>&1; then
  COMPOSE=("$DOCKER" compose)
elif command -v docker-compose >/dev/null; then
  COMPOSE=(docker-compose)
else
  fail "neither '$DOCKER compose' nor docker-compose is installed"
fi
"$DOCKER" info >/dev/null 2>&1 || fail "no Docker engine answers ($DOCKER info; DOCKER_HOST=${DOCKER_HOST:-})"

if ((BUILD)); then
  say "building $IMAGE_TAG (deploy/image.sh build)"
  timeout "$(left)" bash "$ROOT/deploy/image.sh" build >/dev/null
  say "building $PG_TAG on $BASE_TAG"
  timeout "$(left)" "$DOCKER" build -q --network host --build-arg BASE="$BASE_TAG" \
    -f "$ROOT/tests/compose/postgres.Dockerfile" -t "$PG_TAG" "$ROOT/tests/compose" >/dev/null
fi
for t in "$IMAGE_TAG" "$PG_TAG"; do
  "$DOCKER" image inspect "$t" >/dev/null 2>&1 || fail "no image $t (run without --no-build)"
done

# The project: a copy of docker-compose.yml with its loopback ports free now and the
# postgres stand-in, the sample environment (plus a web form and acknowledgement at
# receipt), and new keys; a name of its own, so nothing collides with another stack.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/candour-compose.XXXXXX")
PROJECT="candourct$$"
read -r BUS_PORT API_PORT < <(python3 -c 'import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))')
C=("${COMPOSE[@]}" -p "$PROJECT" -f "$WORK/docker-compose.yml" --project-directory "$WORK")

# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
  local rc=$?
  if ((rc != 0)) && [[ -f "$WORK/docker-compose.yml" ]]; then
    "${C[@]}" ps >&2 || true
    "${C[@]}" logs --no-color --tail=15 >&2 || true
  fi
  [[ ! -f "$WORK/docker-compose.yml" ]] || "${C[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
  rm -rf "$WORK"
  say "$PASSED passed, $((rc != 0)) failed"
  exit "$rc"
}
trap cleanup EXIT

sed -e "s|\"127.0.0.1:7100:7100\"|\"127.0.0.1:$BUS_PORT:7100\"|" \
  -e "s|\"127.0.0.1:8080:8080\"|\"127.0.0.1:$API_PORT:8080\"|" \
  -e "s|image: postgres:15|image: $PG_TAG|" "$ROOT/docker-compose.yml" >"$WORK/docker-compose.yml"
for want in "127.0.0.1:$BUS_PORT:7100" "127.0.0.1:$API_PORT:8080" "image: $PG_TAG"; do
  grep -qF "$want" "$WORK/docker-compose.yml" || fail "docker-compose.yml changed: cannot set $want"
done
mkdir -p "$WORK/deploy" "$WORK/var/keys"
{
  cat "$ROOT/deploy/candour.env.sample"
  printf 'CANDOUR_GATEWAY_FORM_ORGS=COMPOSE-TEST\nCANDOUR_ACK_WAITS_FOR_INVESTIGATOR=0\n'
  [[ -z "${CANDOUR_COMPOSE_ENV:-}" ]] || cat "$CANDOUR_COMPOSE_ENV"
} >"$WORK/deploy/candour.env.sample"
chown 10001:10001 "$WORK/var/keys"
"$DOCKER" run --rm --network none -v "$WORK/var/keys:/keys" "$IMAGE_TAG" sh -c \
  'candourctl keygen --internal /keys/internal && candourctl keygen --out /keys/intake &&
   candourctl keygen --out /keys/client' >/dev/null
say "project $PROJECT in $WORK: bus 127.0.0.1:$BUS_PORT, API 127.0.0.1:$API_PORT"

# the state of service $1: its health, or for a one-shot "exited CODE"
state_of() {
  local id
  id=$("${C[@]}" ps -a -q "$1" 2>/dev/null | head -n1)
  [[ -n "$id" ]] || {
    echo missing
    return
  }
  "$DOCKER" inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}} {{.State.ExitCode}}{{end}}' "$id"
}
wait_healthy() { # services...
  local s st pending
  while :; do
    pending=()
    for s in "$@"; do
      st=$(state_of "$s")
      [[ "$st" == healthy || "$st" == "exited 0" ]] && continue
      [[ "$st" == unhealthy || "$st" == exited* ]] && fail "$s is $st"
      pending+=("$s:$st")
    done
    ((${#pending[@]} == 0)) && return 0
    ((SECONDS < DEADLINE)) || fail "not healthy in time: ${pending[*]}"
    sleep 2
  done
}
admin_port() {
  case "$1" in
    intake) echo 9100 ;; routing) echo 9101 ;; investigation) echo 9102 ;; signoff) echo 9103 ;;
    notify) echo 9104 ;; gateway) echo 9105 ;; reporting) echo 9106 ;;
  esac
}
# /readyz as well: the health checks ask /healthz, which does not need the database
wait_ready() { # services...
  local s until=$((SECONDS + 60))
  for s in "$@"; do
    until "${C[@]}" exec -T "$s" curl -fsS -o /dev/null \
      "http://127.0.0.1:$(admin_port "$s")/readyz" </dev/null 2>/dev/null; do
      ((SECONDS < until && SECONDS < DEADLINE)) ||
        fail "$s is healthy but not ready (/readyz): $("${C[@]}" logs --no-color --tail=1 "$s" 2>&1 | tail -n1)"
      sleep 2
    done
  done
}
ctl() { "${C[@]}" run --rm -T ctl "$@" </dev/null; }
sql() { "${C[@]}" exec -T postgres psql -U candour -d candour -tAc "$1" </dev/null; }
submit() { # idempotency key -> reference
  local out
  out=$(curl -sS --max-time 20 -H 'Content-Type: application/json' -H "Idempotency-Key: $1" \
    -X POST "http://127.0.0.1:$API_PORT/v1/public/complaints" \
    -d '{"org_id": "COMPOSE-TEST", "complaint": {"complainant": {"name": "Jo Web",
         "email": "jo@example.org"}, "description": "The clinic cancelled my appointment."}}' \
    -w '\n%{http_code}') || fail "the gateway did not answer the web form"
  [[ "${out##*$'\n'}" == 201 ]] || fail "the web form was refused: ${out//$'\n'/ }"
  sed -n 's/.*"complaint_ref" *: *"\([^"]*\)".*/\1/p' <<<"$out" | head -n1
}
wait_letter() { # reference
  while ! "${C[@]}" exec -T notify test -s "/var/spool/candour/$1/acknowledgement.txt" </dev/null; do
    ((SECONDS < DEADLINE)) || fail "no acknowledgement of $1 in the spool volume"
    sleep 2
  done
}
letters() { sql "SELECT count(*) FROM notify.letter WHERE reference = '$1'"; }

t0=$SECONDS
"${C[@]}" up -d --no-build >/dev/null 2>&1 || fail "docker-compose up failed"
wait_healthy postgres "${ONESHOTS[@]}" "${DAEMONS[@]}"
ok "up: postgres, ${ONESHOTS[*]} exited 0, ${DAEMONS[*]} healthy in $((SECONDS - t0)) s"
wait_ready "${DAEMONS[@]}"
ok "every daemon ready (its database connections up) $((SECONDS - t0)) s after up"
# Each daemon's image is read-only, as the compose file says, and as its user it cannot
# write there (only /tmp and notify's volumes).
for d in "${DAEMONS[@]}"; do
  id=$("${C[@]}" ps -q "$d")
  [[ "$("$DOCKER" inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$id")" == true ]] ||
    fail "$d's root filesystem is writable"
  if "${C[@]}" exec -T "$d" touch /var/tmp/candour-write-test </dev/null >/dev/null 2>&1; then
    fail "$d could write into its image"
  fi
  "${C[@]}" exec -T "$d" touch /tmp/candour-write-test </dev/null >/dev/null 2>&1 ||
    fail "$d cannot write its /tmp"
done
ok "every daemon on a read-only root filesystem (a write refused), /tmp writable"

ctl org add COMPOSE-TEST --name "Compose test body" --key "$(head -n1 "$WORK/var/keys/client.pub")" >/dev/null
M=$(ctl staff add COMPOSE-TEST --name "Casey Manager" --role complaints-manager | cut -d' ' -f1)
R=$(ctl staff add COMPOSE-TEST --name "Dr R. Chief" --role responsible-person \
  --job-title "Chief Executive" | cut -d' ' -f1)
ctl org set COMPOSE-TEST --responsible-person "$R" --complaints-manager "$M" >/dev/null
ok "candourctl (compose run ctl): organisation and its people"

t0=$SECONDS
REF1=$(submit compose-1)
[[ -n "$REF1" ]] || fail "no complaint_ref in the receipt"
wait_letter "$REF1"
ok "$REF1 submitted through 127.0.0.1:$API_PORT, acknowledged in the spool in $((SECONDS - t0)) s"
before=$(ctl status "$REF1")

t0=$SECONDS
"${C[@]}" restart routing >/dev/null 2>&1
wait_healthy routing
wait_ready routing
[[ "$(ctl status "$REF1")" == "$before" ]] || fail "$REF1's status changed across the restart"
ok "routing restarted and healthy in $((SECONDS - t0)) s; $REF1 unchanged"

t0=$SECONDS
"${C[@]}" stop routing >/dev/null 2>&1
REF2=$(submit compose-2)
[[ -n "$REF2" ]] || fail "no complaint_ref in the receipt"
"${C[@]}" start routing >/dev/null 2>&1
wait_healthy routing
wait_ready routing
wait_letter "$REF2"
ok "$REF2 submitted while routing was down, acknowledged after its start in $((SECONDS - t0)) s"

for ref in "$REF1" "$REF2"; do
  n=$(letters "$ref")
  [[ "$n" == 1 ]] || fail "$ref has $n letters, not 1"
done
wait_healthy "${DAEMONS[@]}"
ok "one letter each, every daemon still healthy"

t0=$SECONDS
# The engine may still hold a removed container's endpoint on the network for a
# moment ("has active endpoints"): try again, a few seconds apart.
down_ok=0
for _ in 1 2 3; do
  if "${C[@]}" down -v --remove-orphans >"$WORK/down.log" 2>&1; then
    down_ok=1
    break
  fi
  sleep 3
done
if ((!down_ok)); then
  # Docker 20.10 may keep a stale endpoint on the project's network after its
  # last container has gone (the network then goes at the engine's next
  # start). What matters is that no container or volume of the run is left.
  left_over=$("$DOCKER" ps -aq --filter "label=com.docker.compose.project=$PROJECT")
  left_over+=$("$DOCKER" volume ls -q --filter "label=com.docker.compose.project=$PROJECT")
  if [[ -n "$left_over" ]] || ! grep -q "has active endpoints" "$WORK/down.log"; then
    tail -n 5 "$WORK/down.log" >&2
    fail "docker-compose down -v failed"
  fi
  say "warning: the engine kept the network ${PROJECT}_default (a stale endpoint); no container or volume is left"
fi
rm -f "$WORK/docker-compose.yml"
ok "down -v in $((SECONDS - t0)) s"
