#!/usr/bin/env bash
# tests/bench/reports.sh - the reports' speed (issue 15, item 4): every report
# over N synthetic complaints, timed as an analyst asks for it.
#
#   bash tests/bench/reports.sh [--n N] [--runs R] [--build DIR] [--timeout S]
#                               [--org BODY] [--keep] [--reuse RUN_DIR]
#
# Starts a throwaway PostgreSQL cluster (deploy/pg.sh) in
# var/bench/reports-<timestamp>/pg on a free port, migrates it, fills the
# reporting schema with N complaints (default 1000000) by
# tests/bench/reporting_data.py (50 bodies, 36 months from 2023-04-01, seed 15),
# starts candour-reporting alone (internal keys from `candourctl keygen
# --internal`; the analyst asking is a row put straight into routing.staff,
# which reporting reads through reporting.staff_roles), and then asks each
# report of the largest body (BODY01) R times (default 3) through `candourctl
# report`: quarterly (json and pdf), annual, ko41a, ko41b, benchmark and spc (json and pdf).
# It prints a table of wall times (best and median of R, milliseconds), writes
# it to the run's folder as reports.txt, and EXPLAIN ANALYZE of the slowest
# statement behind the slowest report as explain.txt.
#
# Bounded: each report is given --timeout seconds (default 60); the generator
# 1800 s. On exit (or interrupt) the daemon and the cluster are stopped and,
# unless --keep, the cluster's data removed (logs and figures stay).
# --build DIR: a built tree to take candourctl and candour-reporting from
# (default build-release/, built here as Release if it is missing).
# --keep leaves the cluster's data; --reuse RUN_DIR times again on a kept run's
# data instead of generating (migrating it first, so a new migration's indexes
# or aggregates are built on the same complaints), and keeps it.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$ROOT"

N=1000000
RUNS=3
BUILD=$ROOT/build-release
TIMEOUT=60
ORG=BODY01
KEEP=0
REUSE=""
while (($#)); do
  case "$1" in
    --n) N=$2; shift ;;
    --runs) RUNS=$2; shift ;;
    --build) BUILD=$2; shift ;;
    --timeout) TIMEOUT=$2; shift ;;
    --org) ORG=$2; shift ;;
    --keep) KEEP=1 ;;
    --reuse) REUSE=$(cd "$2" && pwd -P); KEEP=1; shift ;;
    -h | --help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "reports: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ "$N" =~ ^[0-9]+$ && "$N" -ge 1 ]] || { echo "reports: --n wants a positive number" >&2; exit 2; }
[[ "$RUNS" =~ ^[1-9]$ ]] || { echo "reports: --runs wants 1..9" >&2; exit 2; }
[[ "$TIMEOUT" =~ ^[0-9]+$ ]] || { echo "reports: --timeout wants seconds" >&2; exit 2; }

for t in psql jq curl ss python3; do
  command -v "$t" >/dev/null || { echo "reports: needs $t (postgresql-client, jq, curl, iproute2, python3)" >&2; exit 2; }
done

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RUN=$ROOT/var/bench/reports-$STAMP
PG_DIR=${REUSE:-$RUN}/pg
[[ -z $REUSE || -d $PG_DIR/data ]] || { echo "reports: no kept cluster in $REUSE" >&2; exit 2; }
mkdir -p "$RUN/keys" "$RUN/out"
chmod 700 "$RUN/keys"
say() { echo "reports: $*" >&2; }

PG_UP=0
DAEMON=0
cleanup() {
  local rc=$?
  if ((DAEMON)) && kill -0 "$DAEMON" 2>/dev/null; then
    kill -TERM "$DAEMON" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$DAEMON" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$DAEMON" 2>/dev/null || true
  fi
  if ((PG_UP)); then
    bash deploy/pg.sh stop "$PG_DIR" >/dev/null 2>&1 || true
    ((KEEP)) || rm -rf "$PG_DIR/data"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------------ build
if [[ ! -x $BUILD/services/candourctl || ! -x $BUILD/services/candour-reporting ]]; then
  say "building Release into $BUILD"
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD" -j2 --target candour-reporting candourctl >/dev/null
fi
BIN=$BUILD/services

# ------------------------------------------------------------------ ports
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 12000))
    if ! ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; then
      echo "$p"
      return 0
    fi
  done
  say "no free port found"
  return 1
}

# ------------------------------------------------------------------ cluster
for try in 1 2 3; do
  PG_PORT=$(free_port)
  if bash deploy/pg.sh start "$PG_DIR" "$PG_PORT" >"$RUN/pg-start.log" 2>&1; then
    PG_UP=1
    break
  fi
  say "cluster did not start on port $PG_PORT (try $try)"
done
((PG_UP)) || { cat "$RUN/pg-start.log" >&2; exit 1; }
DB_URL=$(bash deploy/pg.sh url "$PG_DIR" "$PG_PORT")
PSQL=(env PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -d "$DB_URL")
sql() { "${PSQL[@]}" -tA -c "$1"; }
say "PostgreSQL $(sql 'SHOW server_version' | cut -d' ' -f1) on 127.0.0.1:$PG_PORT, data in $PG_DIR"

# A kept cluster may still have the last run's auto_explain settings (below).
sql "ALTER SYSTEM RESET ALL" >/dev/null
sql "SELECT pg_reload_conf()" >/dev/null

say "applying migrations"
CANDOUR_DB_URL=$DB_URL CANDOUR_MIGRATIONS_DIR=$ROOT/deploy/migrations "$BIN/candourctl" migrate \
  </dev/null >"$RUN/migrate.log" 2>&1 || { cat "$RUN/migrate.log" >&2; exit 1; }
# The KO41a category lists the reports label (and KO41a checks) codes against.
CANDOUR_DB_URL=$DB_URL "$BIN/candourctl" categories import "$ROOT/deploy/categories/ko41a.csv" \
  </dev/null >>"$RUN/migrate.log" 2>&1 || { cat "$RUN/migrate.log" >&2; exit 1; }

if [[ -n $REUSE ]]; then
  cp "$REUSE/data.json" "$REUSE/data.log" "$RUN/"
  N=$(jq -r .complaints "$RUN/data.json")
  say "reusing the $N complaints of $REUSE"
else
  say "generating $N complaints"
  timeout 1800 python3 tests/bench/reporting_data.py --db "$DB_URL" --n "$N" \
    >"$RUN/data.json" 2>"$RUN/data.log" || { cat "$RUN/data.log" >&2; exit 1; }
fi
cat "$RUN/data.log" >&2
FROM_ALL=$(jq -r .from "$RUN/data.json")
sql "VACUUM ANALYZE reporting.complaint" >/dev/null
sql "VACUUM ANALYZE reporting.aspect" >/dev/null
say "database $(sql "SELECT pg_size_pretty(pg_database_size(current_database()))"), $(sql "SELECT count(*) FROM reporting.complaint WHERE coalesce(lead_org, made_to_org) = '$ORG'") complaints of $ORG"

# ------------------------------------------------------------------ reporting
# The analyst asking: reporting reads the directory through
# reporting.staff_roles (0031), so one row in routing.staff is all it needs.
sql "INSERT INTO routing.staff (staff_id, org_id, name, roles, changed_by)
     VALUES ('ST-BENCH', '$ORG', 'Benchmark analyst', ARRAY['analyst'], 'reports.sh')
     ON CONFLICT (staff_id) DO UPDATE SET org_id = EXCLUDED.org_id" >/dev/null
"$BIN/candourctl" keygen --internal "$RUN/keys/internal" >/dev/null
export CANDOUR_INTERNAL_KEYS=$RUN/keys/internal
BIND_PORT=$(free_port)
ADMIN_PORT=$(free_port)
while [[ $ADMIN_PORT == "$BIND_PORT" ]]; do ADMIN_PORT=$(free_port); done
export CANDOUR_REPORTING_ENDPOINT=tcp://127.0.0.1:$BIND_PORT
env -u CANDOUR_DB_PASSWORD CANDOUR_DB_URL="$DB_URL" CANDOUR_LOG_LEVEL=warn \
  CANDOUR_REPORTING_BIND="$CANDOUR_REPORTING_ENDPOINT" CANDOUR_REPORTING_ADMIN=127.0.0.1:$ADMIN_PORT \
  "$BIN/candour-reporting" </dev/null >"$RUN/reporting.log" 2>&1 &
DAEMON=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$ADMIN_PORT/healthz" >/dev/null 2>&1 && break
  kill -0 "$DAEMON" 2>/dev/null || { cat "$RUN/reporting.log" >&2; exit 1; }
  sleep 0.1
done

# ------------------------------------------------------------------ reports
# The periods: the last full quarter and financial year of the data.
Q_FROM=2025-10-01 Q_TO=2025-12-31
Y_FROM=2025-04-01 Y_TO=2026-03-31
[[ $FROM_ALL == 2023-04-01 ]] || say "data start from $FROM_ALL: periods are fixed to 2025/26"
# name report format from to
CASES=(
  "quarterly-json quarterly json $Q_FROM $Q_TO"
  "quarterly-pdf quarterly pdf $Q_FROM $Q_TO"
  "annual-json annual json $Y_FROM $Y_TO"
  "ko41a-csv ko41a csv $Q_FROM $Q_TO"
  "ko41b-csv ko41b csv $Q_FROM $Q_TO"
  "benchmark-json benchmark json $Y_FROM $Y_TO"
  "spc-json spc json $Y_FROM $Y_TO"
  "spc-pdf spc pdf $Y_FROM $Y_TO"
)
ms_now() { date +%s%N; }
printf '%-16s %10s %10s %10s  %s\n' report best_ms median_ms bytes "runs (ms)" >"$RUN/reports.txt"
SLOWEST="" SLOWEST_MS=0 FAILED=0
for c in "${CASES[@]}"; do
  read -r name rep fmt from to <<<"$c"
  times=()
  late=0
  for r in $(seq 1 "$RUNS"); do
    t0=$(ms_now)
    if ! timeout "$TIMEOUT" "$BIN/candourctl" report "$rep" --org "$ORG" --from "$from" --to "$to" \
      --format "$fmt" --as ST-BENCH --out "$RUN/out/$name.$fmt" 2>>"$RUN/ctl.log"; then
      say "$name failed or took over ${TIMEOUT}s (run $r; $RUN/ctl.log)"
      FAILED=1
      times+=($((TIMEOUT * 1000))) # at least that: counted so, and marked below
      late=1
      continue
    fi
    times+=($((($(ms_now) - t0) / 1000000)))
  done
  sorted=$(printf '%s\n' "${times[@]}" | sort -n)
  best=$(head -n1 <<<"$sorted")
  median=$(sed -n "$(((RUNS + 1) / 2))p" <<<"$sorted")
  bytes=$(stat -c %s "$RUN/out/$name.$fmt" 2>/dev/null || echo 0)
  printf '%-16s %10s %10s %10s  %s\n' "$name" "$best" "$median" "$bytes" "${times[*]}$( ((late)) && echo " (a run timed out at ${TIMEOUT}s)")" >>"$RUN/reports.txt"
  if ((median > SLOWEST_MS)); then SLOWEST=$c SLOWEST_MS=$median; fi
done
{
  echo "N=$N complaints (seed 15, 50 bodies, 36 months), org $ORG, $RUNS runs each;"
  echo "quarter $Q_FROM..$Q_TO, year $Y_FROM..$Y_TO; wall time of candourctl report, ms"
} >>"$RUN/reports.txt"
cat "$RUN/reports.txt"

# ------------------------------------------------------------------ the slowest statement
# reporting's statements (reports_sql.c), run here with the same parameters
# under EXPLAIN ANALYZE, for the slowest report; the slowest of them is kept.
if [[ -n $SLOWEST ]]; then
  read -r name rep fmt from to <<<"$SLOWEST"
  say "slowest: $name (${SLOWEST_MS} ms); explaining its statements"
  # auto_explain for the daemon's sessions: every statement, with timings,
  # into the server log, read back afterwards. (Its settings are known to
  # ALTER SYSTEM only in a session that has loaded it.)
  "${PSQL[@]}" -c "LOAD 'auto_explain'" \
    -c "ALTER SYSTEM SET session_preload_libraries = 'auto_explain'" \
    -c "ALTER SYSTEM SET auto_explain.log_min_duration = 0" \
    -c "ALTER SYSTEM SET auto_explain.log_analyze = on" \
    -c "SELECT pg_reload_conf()" >/dev/null
  # reporting's pool holds sessions opened before the change: restart it.
  kill -TERM "$DAEMON" && wait "$DAEMON" 2>/dev/null || true
  LOG_MARK=$(wc -l <"$PG_DIR/postgres.log")
  env -u CANDOUR_DB_PASSWORD CANDOUR_DB_URL="$DB_URL" CANDOUR_LOG_LEVEL=warn \
    CANDOUR_REPORTING_BIND="$CANDOUR_REPORTING_ENDPOINT" CANDOUR_REPORTING_ADMIN=127.0.0.1:$ADMIN_PORT \
    "$BIN/candour-reporting" </dev/null >>"$RUN/reporting.log" 2>&1 &
  DAEMON=$!
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$ADMIN_PORT/healthz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  timeout "$TIMEOUT" "$BIN/candourctl" report "$rep" --org "$ORG" --from "$from" --to "$to" \
    --format "$fmt" --as ST-BENCH --out "$RUN/out/explained.$fmt" 2>>"$RUN/ctl.log" || true
  sleep 0.5
  # The plans in the log, each "duration: X ms  plan:" block; the longest kept.
  tail -n +"$((LOG_MARK + 1))" "$PG_DIR/postgres.log" | awk '
    /duration: [0-9.]+ ms +plan:/ { if (cur != "" && d > best) { best = d; keep = cur }
                                    match($0, /duration: [0-9.]+/); d = substr($0, RSTART + 10, RLENGTH - 10) + 0; cur = $0 "\n"; next }
    /^[0-9]{4}-[0-9]{2}-[0-9]{2} / { if (cur != "" && d > best) { best = d; keep = cur } cur = ""; next }
    cur != "" { cur = cur $0 "\n" }
    END { if (cur != "" && d > best) { best = d; keep = cur } printf "%s", keep }' >"$RUN/explain.txt"
  say "EXPLAIN ANALYZE of its slowest statement: $RUN/explain.txt ($(head -c 200 "$RUN/explain.txt" | head -n1 | grep -o 'duration: [0-9.]* ms' || echo 'none logged'))"
fi
say "figures in $RUN/reports.txt"
exit $FAILED
