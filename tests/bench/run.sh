#!/usr/bin/env bash
# tests/bench/run.sh - the benchmark: one command, from the repository root.
#
#   bash tests/bench/run.sh [--n N] [--clients K] [--window W] [--instances 1|2]
#                           [--runs R] [--ref-seconds S] [--e2e-timeout S] [--skip-refs]
#                           [--profile] [--rebuild] [--reporting-late]
#
# Builds Release into build-release/, starts a fresh private PostgreSQL cluster
# (deploy/pg.sh; fsync and synchronous_commit on, the defaults) in
# var/bench/run-<timestamp>/pg on a free port, and then:
#   1. references (unless --skip-refs), with pgbench on the same cluster: the
#      durable inserts one complaint needs at intake (the complaint row with a
#      ~1 KB body, its outbox row and its two delivery rows) -
#        R1    one complaint per transaction, K clients (the naive design)
#        R100  one hundred complaints per transaction, K clients (the best the
#              database can take);
#   2. migrates, makes CURVE keys (intake's, and one allow-listed organisation
#      per client), starts the whole suite (with --instances 2: two routing and
#      two investigation processes), and drives it with candour-bench-load:
#      N complaints (default 20000) from K CURVE clients (default 16), each
#      keeping W requests in flight (default 8); it waits until every
#      acknowledgement letter is in the spool (at most --e2e-timeout seconds,
#      default 300; the end-to-end figures then cover the letters that came);
#      meanwhile it samples, every second, reporting's lag: the events
#      delivered to subscriber 'reporting' and not yet acknowledged, and the
#      age of the oldest (var/bench/run-*/reporting-lag.txt), and then waits
#      (at most --e2e-timeout s) until reporting has taken them all: the peak
#      backlog and age, the time from the last letter to reporting caught up,
#      and reporting's applied rate go in the table;
#   3. a second pass of N/4 complaints, rate-limited to half the receipt rate
#      measured, for the receipt latency at 50% of the maximum rate; and a
#      third at half the end-to-end rate measured (below what the whole suite
#      sustains, so no backlog builds behind intake), each of the two begun
#      once every service's outbox has drained; then intake alone: the
#      daemons downstream of it stopped (SIGSTOP), a burst of N/4 complaints
#      at full speed, after which they go on and the time they take to work
#      the backlog off is shown;
#   4. with --runs R (1..5), the main pass R-1 more times against the same suite (RSS
#      after each run shows whether memory grows);
#   5. checks nothing was done twice (one complaint.received in routing's history
#      and one investigation case per complaint; one reporting.complaint row per
#      complaint, none other, and one reporting.inbox record per event
#      delivered to reporting) and shows how the instances shared the work
#      (candour_inbox_applied_total of each);
#   6. stops the daemons (SIGTERM) and the cluster, prints one table, and writes
#      it as JSON to var/bench/<timestamp>.json and var/bench/latest.json.
# Logs, keys, spool and raw figures stay in var/bench/run-<timestamp>/.
# --reporting-late starts candour-reporting only once the main pass's letters
# are in, so that it meets the whole pass's events as a backlog: how fast it
# takes them (the peak applied rate over 5 s) is what it can keep up with,
# whatever the end-to-end rate (the producers' resends back off to 30 s
# while it is away, so the time to catch up is longer than the rate says).
# --rebuild adds a pass of N/4 complaints at the sustainable rate while
# `candourctl reporting rebuild` runs beside it, then, once reporting has
# caught up, runs the rebuild again, timed, and checks it leaves the reporting
# schema as it found it (a digest of every table but the outbox's, and of
# the inbox's records): the consumer and the rebuild together made what a
# quiet replay makes.
# --profile loads pg_stat_statements and writes the statements PostgreSQL spent
# most time on during the Candour passes to run-<timestamp>/pg_stat_statements.txt,
# and auto_explain, which logs the plan of any statement slower than 50 ms to
# run-<timestamp>/pg/postgres.log; it writes the main pass's WAL by relation
# (wal_by_relation.txt), the rows written by table with the share of HOT updates
# (writes_by_table.txt) and, where perf is installed, a system-wide CPU profile
# of the main pass (perf_by_process.txt, perf_postgres.txt).
#
# --instances 2 needs producers that spread events over several subscriber
# endpoints (CANDOUR_<SERVICE>_ENDPOINT holding a comma-separated list).
# CANDOUR_LOG_LEVEL (default info) is passed to the daemons.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$ROOT"

N=20000
K=16
W=8
INSTANCES=1
RUNS=1
REF_SECONDS=20
E2E_TIMEOUT=300
SKIP_REFS=0
PROFILE=0
REBUILD=0
REPORTING_LATE=0
while (($#)); do
  case "$1" in
    --n) N=$2; shift ;;
    --clients) K=$2; shift ;;
    --window) W=$2; shift ;;
    --instances) INSTANCES=$2; shift ;;
    --runs) RUNS=$2; shift ;;
    --ref-seconds) REF_SECONDS=$2; shift ;;
    --e2e-timeout) E2E_TIMEOUT=$2; shift ;;
    --skip-refs) SKIP_REFS=1 ;;
    --profile) PROFILE=1 ;;
    --rebuild) REBUILD=1 ;;
    --reporting-late) REPORTING_LATE=1 ;;
    -h | --help) sed -n '2,64p' "$0"; exit 0 ;;
    *) echo "bench: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ "$N" =~ ^[0-9]+$ && "$N" -ge 1 ]] || { echo "bench: --n wants a positive number" >&2; exit 2; }
[[ "$K" =~ ^[0-9]+$ && "$K" -ge 1 && "$K" -le 99 ]] || { echo "bench: --clients wants 1..99" >&2; exit 2; }
[[ "$INSTANCES" == 1 || "$INSTANCES" == 2 ]] || { echo "bench: --instances wants 1 or 2" >&2; exit 2; }
[[ "$RUNS" =~ ^[1-5]$ ]] || { echo "bench: --runs wants 1..5" >&2; exit 2; }

say() { printf 'bench: %s\n' "$*" >&2; }

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$ROOT/var/bench
RUN=$OUT/run-$STAMP
PG_DIR=$RUN/pg
PG_UP=0
declare -a PIDS=() NAMES=()
declare -A ADMIN=()

# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
  local rc=$?
  [[ -n ${LAG_PID:-} ]] && kill "$LAG_PID" 2>/dev/null
  declare -F stop_daemons >/dev/null && stop_daemons
  if ((PG_UP)); then
    bash deploy/pg.sh stop "$PG_DIR" >/dev/null 2>&1 || say "could not stop the cluster in $PG_DIR"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------------ build
bash deploy/install-deps.sh run >&2
if ! command -v jq >/dev/null; then
  say "installing jq (to read the load driver's JSON)"
  apt-get update -qq && apt-get install -y -qq jq >/dev/null
fi
say "building Release into build-release/"
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-release -j2 --target candour-intake candour-routing candour-investigation \
  candour-signoff candour-notify candour-reporting candour-gateway candourctl candour-bench-load \
  >/dev/null
BIN=$ROOT/build-release/services
LOAD=$ROOT/build-release/tests/bench/candour-bench-load
[[ -x $LOAD ]] || { say "$LOAD was not built"; exit 1; }
PGBIN=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/pgbench | sort -V | tail -n1)")
[[ -x $PGBIN/pgbench ]] || { say "no pgbench under /usr/lib/postgresql/*/bin (package postgresql)"; exit 1; }

mkdir -p "$RUN/keys" "$RUN/spool"
chmod 700 "$RUN/keys"

# ------------------------------------------------------------------ ports
# pick_port sets PORT to a free TCP port below the kernel's ephemeral range
# (32768+), never one handed out before in this run. It runs in this shell, not
# in a $(...) subshell, so the record of ports handed out is kept.
declare -A TAKEN=()
PORT=0
pick_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 12000))
    [[ -n "${TAKEN[$p]:-}" ]] && continue
    if ! ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; then
      TAKEN[$p]=1
      PORT=$p
      return 0
    fi
  done
  say "no free port found"
  exit 1
}

# ------------------------------------------------------------------ cluster
for try in 1 2 3 4 5; do
  pick_port
  PG_PORT=$PORT
  if bash deploy/pg.sh start "$PG_DIR" "$PG_PORT" >"$RUN/pg-start.log" 2>&1; then
    PG_UP=1
    break
  fi
  say "cluster did not start on port $PG_PORT (try $try)"
done
((PG_UP)) || { cat "$RUN/pg-start.log" >&2; exit 1; }
DB_URL=$(bash deploy/pg.sh url "$PG_DIR" "$PG_PORT")
PSQL=(env PGOPTIONS="-c client_min_messages=warning" "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$DB_URL")
sql() { "${PSQL[@]}" -tA -c "$1"; }
# What the database wrote: WAL bytes and commits (pg_stat_wal, pg_stat_database).
wal_now() { sql "SELECT (SELECT wal_bytes FROM pg_stat_wal), (SELECT sum(xact_commit) FROM pg_stat_database)" | tr '|' ' '; }
# Extra server settings for an experiment (the table names them):
#   CANDOUR_BENCH_PG="commit_delay=200 commit_siblings=2"
for kv in ${CANDOUR_BENCH_PG:-}; do
  sql "ALTER SYSTEM SET ${kv%%=*} = '${kv#*=}'" >/dev/null
done
[[ -n "${CANDOUR_BENCH_PG:-}" ]] && sql "SELECT pg_reload_conf()" >/dev/null
PG_VERSION=$(sql "SHOW server_version" | cut -d' ' -f1)
PG_SETTINGS="fsync=$(sql 'SHOW fsync') synchronous_commit=$(sql 'SHOW synchronous_commit')${CANDOUR_BENCH_PG:+ $CANDOUR_BENCH_PG}"
say "PostgreSQL $PG_VERSION on 127.0.0.1:$PG_PORT ($PG_SETTINGS), data in $PG_DIR"

if ((PROFILE)); then
  say "--profile: loading pg_stat_statements (restarts the cluster)"
  sql "ALTER SYSTEM SET shared_preload_libraries = pg_stat_statements, auto_explain" >/dev/null
  bash deploy/pg.sh stop "$PG_DIR" >/dev/null
  bash deploy/pg.sh start "$PG_DIR" "$PG_PORT" >>"$RUN/pg-start.log" 2>&1 ||
    { cat "$RUN/pg-start.log" >&2; exit 1; }
  sql "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
  sql "ALTER SYSTEM SET pg_stat_statements.track = 'all'" >/dev/null # triggers' statements too
  sql "ALTER SYSTEM SET pg_stat_statements.track_planning = on" >/dev/null
  # the plans of statements slower than 50 ms go to the cluster's log
  sql "ALTER SYSTEM SET auto_explain.log_min_duration = '50ms'" >/dev/null
  sql "ALTER SYSTEM SET auto_explain.log_analyze = on" >/dev/null
  # the main pass's WAL is read back (wal_by_relation.txt): keep it from being recycled
  sql "ALTER SYSTEM SET wal_keep_size = '8GB'" >/dev/null
  sql "SELECT pg_reload_conf()" >/dev/null
fi

say "applying migrations"
CANDOUR_DB_URL=$DB_URL CANDOUR_MIGRATIONS_DIR=$ROOT/deploy/migrations "$BIN/candourctl" migrate \
  </dev/null >"$RUN/migrate.log" 2>&1 || { cat "$RUN/migrate.log" >&2; exit 1; }

# ------------------------------------------------------------------ references
# The same rows intake writes for one complaint: intake.complaint (a ~1 KB
# description inside the JSON body), intake.outbox (the event, ~1.1 KB of
# protobuf) and three intake.outbox_delivery rows (routing, notify, reporting), with the same
# columns, keys and indexes, in a scratch schema `bench`.
R1_PER_S=0
R100_PER_S=0
R1_WAL_KB=0
R1_TPS=0
R100_TPS=0
if ((!SKIP_REFS)); then
  "${PSQL[@]}" >/dev/null <<'SQL'
DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;
CREATE TABLE bench.complaint (LIKE intake.complaint INCLUDING ALL);
CREATE TABLE bench.outbox (
  seq bigserial PRIMARY KEY, event_id uuid NOT NULL UNIQUE, type text NOT NULL,
  complaint_ref text NOT NULL DEFAULT '', correlation_id text NOT NULL DEFAULT '',
  causation_id text NOT NULL DEFAULT '', occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  schema_version integer NOT NULL DEFAULT 1, payload bytea NOT NULL);
CREATE TABLE bench.outbox_delivery (LIKE intake.outbox_delivery INCLUDING ALL);
ALTER TABLE bench.outbox_delivery ADD FOREIGN KEY (seq) REFERENCES bench.outbox (seq);
CREATE FUNCTION bench.body(ext text) RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_build_object('external_ref', ext, 'channel', 'CHANNEL_BUS',
    'complainant', jsonb_build_object('name', 'Sam Okafor', 'address',
      jsonb_build_array('2 Station Road', 'Leeds'), 'postcode', 'LS1 1AA'),
    'description', repeat('The community nursing visits stopped without notice and nobody '
      'returned our calls for three weeks; my father''s dressings were not changed and the '
      'wound became infected. ', 6))
$$;
SQL
  # one statement = one transaction = one commit (intake pipelines its statements too)
  make_script() { # complaints-per-transaction
    cat <<EOF
WITH k AS (SELECT gen_random_uuid() AS id, gen_random_uuid()::text AS ext
           FROM generate_series(1, $1)),
c AS (INSERT INTO bench.complaint (reference, org_id, external_ref, channel, received_at, body,
        classification, holds, state)
      SELECT 'CDR-' || left(ext, 13), 'BENCH-' || :client_id, ext, 'CHANNEL_BUS', now(),
        bench.body(ext), 'CLASSIFICATION_COMPLAINT', '{}', 'received' FROM k
      RETURNING reference, external_ref),
o AS (INSERT INTO bench.outbox (event_id, type, complaint_ref, correlation_id, payload)
      SELECT k.id, 'complaint.received', c.reference, k.id::text,
        convert_to(bench.body(k.ext)::text, 'UTF8')
      FROM k JOIN c ON c.external_ref = k.ext
      RETURNING seq, event_id, complaint_ref)
INSERT INTO bench.outbox_delivery (seq, subscriber, event_id, complaint_ref)
SELECT o.seq, s, o.event_id, o.complaint_ref FROM o, unnest('{routing,notify,reporting}'::text[]) AS s;
EOF
  }
  make_script 1 >"$RUN/r1.sql"
  make_script 100 >"$RUN/r100.sql"
  run_ref() { # name script
    say "reference $1: pgbench -c $K -j 2 -T $REF_SECONDS"
    "$PGBIN/pgbench" -n -f "$2" -c "$K" -j 2 -T "$REF_SECONDS" -P 5 "$DB_URL" >"$RUN/$1.log" 2>&1 ||
      { cat "$RUN/$1.log" >&2; exit 1; }
    grep -oP 'tps = \K[0-9.]+' "$RUN/$1.log" | tail -n1
  }
  read -r RW0 _ <<<"$(wal_now)"
  R1_TPS=$(run_ref r1 "$RUN/r1.sql")
  read -r RW1 _ <<<"$(wal_now)"
  R1_DONE=$(grep -oP 'number of transactions actually processed: \K[0-9]+' "$RUN/r1.log" || echo 0)
  R1_WAL_KB=$(awk -v a="$RW0" -v b="$RW1" -v n="$R1_DONE" 'BEGIN{ if (n) printf "%.1f", (b - a) / 1024 / n; else print 0 }')
  sql "CHECKPOINT" >/dev/null
  R100_TPS=$(run_ref r100 "$RUN/r100.sql")
  R1_PER_S=$(awk -v t="$R1_TPS" 'BEGIN{printf "%.1f", t}')
  R100_PER_S=$(awk -v t="$R100_TPS" 'BEGIN{printf "%.1f", t * 100}')
  say "R1 $R1_PER_S complaints/s; R100 $R100_PER_S complaints/s"
  sql "DROP SCHEMA bench CASCADE" >/dev/null
  sql "CHECKPOINT" >/dev/null
fi

# ------------------------------------------------------------------ keys
"$BIN/candourctl" keygen --out "$RUN/keys/intake" >/dev/null
# the suite's internal keys: the daemons' internal sockets admit only them
"$BIN/candourctl" keygen --internal "$RUN/keys/internal" >/dev/null
export CANDOUR_INTERNAL_KEYS=$RUN/keys/internal
for i in $(seq 1 "$K"); do
  nn=$(printf '%02d' "$i")
  "$BIN/candourctl" keygen --out "$RUN/keys/client-$nn" >/dev/null
  CANDOUR_DB_URL=$DB_URL "$BIN/candourctl" org add "BENCH-$nn" --name "Benchmark client $nn" \
    --key "$(head -n1 "$RUN/keys/client-$nn.pub")" >/dev/null
done

# ------------------------------------------------------------------ daemons
pick_port
PUBLIC=tcp://127.0.0.1:$PORT
declare -A EP=()       # service -> comma-separated endpoints of its instances
declare -A IEP=()      # instance -> its bind endpoint
INST=()                # instance names: intake routing-1 routing-2 ...
for s in intake routing investigation signoff notify reporting; do
  n=1
  [[ $s == routing || $s == investigation ]] && n=$INSTANCES
  list=""
  for j in $(seq 1 "$n"); do
    name=$s
    ((n > 1)) && name=$s-$j
    pick_port
    IEP[$name]=tcp://127.0.0.1:$PORT
    list=${list:+$list,}${IEP[$name]}
    INST+=("$name")
  done
  EP[$s]=$list
done
INST+=(gateway)

start_daemon() { # instance
  local name=$1 svc=${1%-[0-9]} up admin
  up=${svc^^}
  pick_port
  admin=$PORT
  pick_port
  local http=$PORT
  ADMIN[$name]=$admin
  local -a env=(
    CANDOUR_DB_URL="$DB_URL" CANDOUR_LOG_LEVEL="${CANDOUR_LOG_LEVEL:-info}"
    CANDOUR_SPOOL_DIR="$RUN/spool" CANDOUR_PRINT_DIR="$RUN/print" CANDOUR_BANK_HOLIDAYS="$ROOT/deploy/bank-holidays.json"
    CANDOUR_INTAKE_PUBLIC_BIND="$PUBLIC" CANDOUR_INTAKE_KEY_FILE="$RUN/keys/intake.key"
    CANDOUR_GATEWAY_HTTP="127.0.0.1:$http"
    # The end-to-end figure is receipt to acknowledgement spooled: the
    # acknowledgement goes at receipt, not held for an investigator (R4).
    CANDOUR_ACK_WAITS_FOR_INVESTIGATOR=0
  )
  local s
  for s in intake routing investigation signoff notify reporting; do
    if [[ $svc == gateway ]]; then
      env+=("CANDOUR_${s^^}_ENDPOINT=${EP[$s]%%,*}") # the gateway asks one routing
    else
      env+=("CANDOUR_${s^^}_ENDPOINT=${EP[$s]}")
    fi
  done
  [[ $svc != gateway ]] && env+=("CANDOUR_${up}_BIND=${IEP[$name]}")
  [[ $name != "$svc" ]] && env+=("CANDOUR_INSTANCE=$name") # its own audit chains
  env+=("CANDOUR_${up}_ADMIN=127.0.0.1:$admin")
  env -u CANDOUR_DB_PASSWORD "${env[@]}" "$BIN/candour-$svc" </dev/null >>"$RUN/$name.log" 2>&1 &
  PIDS+=($!)
  NAMES+=("$name")
}

alive() { local st; st=$(ps -o stat= -p "$1" 2>/dev/null) && [[ -n "$st" && "$st" != Z* ]]; }

stop_daemons() {
  ((${#PIDS[@]})) || return 0
  local pid i
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 150); do
    local any=0
    for pid in "${PIDS[@]}"; do alive "$pid" && any=1; done
    ((any)) || break
    sleep 0.1
  done
  for i in "${!PIDS[@]}"; do
    if alive "${PIDS[$i]}"; then
      say "${NAMES[$i]} did not stop within 15 s: SIGKILL"
      kill -KILL "${PIDS[$i]}" 2>/dev/null || true
    fi
  done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  PIDS=()
}

say "starting ${INST[*]} (logs in $RUN/)$( ((REPORTING_LATE)) && echo '; reporting after the main pass')"
wait_ready() { # index into PIDS/NAMES
  local i=$1 name=${NAMES[$1]} ok=0
  for _ in $(seq 1 100); do
    alive "${PIDS[$i]}" || { say "$name died at start:"; tail -n 5 "$RUN/$name.log" >&2; exit 1; }
    if curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:${ADMIN[$name]}/readyz" 2>/dev/null; then
      ok=1
      break
    fi
    sleep 0.2
  done
  ((ok)) || { say "$name is not ready after 20 s"; tail -n 5 "$RUN/$name.log" >&2; exit 1; }
}
for name in "${INST[@]}"; do
  ((REPORTING_LATE)) && [[ $name == reporting ]] && continue
  start_daemon "$name"
done
for i in "${!PIDS[@]}"; do wait_ready "$i"; done

# ------------------------------------------------------------------ measurements
TICK=$(getconf CLK_TCK)
cpu_ticks() { # pid... -> utime+stime
  local t=0 p
  for p in "$@"; do
    [[ -r /proc/$p/stat ]] && t=$((t + $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')))
  done
  echo "$t"
}
pg_pids() {
  local pm
  pm=$(head -n1 "$PG_DIR/data/postmaster.pid")
  echo "$pm" $(pgrep -P "$pm")
}
pg_ticks() { # postmaster (with its reaped children) + live backends
  local pm t
  pm=$(head -n1 "$PG_DIR/data/postmaster.pid")
  t=$(sed 's/.*) //' "/proc/$pm/stat" | awk '{print $14 + $15}') # cutime + cstime
  # shellcheck disable=SC2046  # one word per pid
  echo $((t + $(cpu_ticks $(pg_pids))))
}
status_kib() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
rss_line() { # label: "name VmRSS/VmHWM MiB ..."
  local i out=""
  for i in "${!PIDS[@]}"; do
    out+=$(printf '%s %.1f/%.1f  ' "${NAMES[$i]}" "$(bc -l <<<"$(status_kib "${PIDS[$i]}" VmRSS)/1024")" \
      "$(bc -l <<<"$(status_kib "${PIDS[$i]}" VmHWM)/1024")")
  done
  echo "$out"
}
metric() { # instance name -> sum of that metric's samples (0 while it is not running)
  { curl -fsS --max-time 2 "http://127.0.0.1:${ADMIN[$1]:-0}/metrics" 2>/dev/null || true; } |
    awk -v m="$2" '$1 == m || index($1, m "{") == 1 {s += $NF} END {printf "%d", s}'
}

metricf() { # the same, as a decimal
  curl -fsS --max-time 2 "http://127.0.0.1:${ADMIN[$1]}/metrics" 2>/dev/null |
    awk -v m="$2" '$1 == m || index($1, m "{") == 1 {s += $NF} END {printf "%.6f", s}'
}

# reporting's lag, and the digest --rebuild compares (LAG_SQL, lag_now,
# lag_sampler, lag_wait, rep_digest; sql and metric are this file's).
# shellcheck source=tests/bench/reporting_lag.sh
source "$ROOT/tests/bench/reporting_lag.sh"
LAG_PID="" # lag_sampler running in the background

load() { # tag n rate e2e-timeout [receipts-only] -> var/bench/run-*/load-TAG.json
  local rc=0 db=(--db "$DB_URL")
  [[ ${5:-} == receipts-only ]] && db=()
  { TIMEFORMAT='%U %S'; time "$LOAD" --endpoint "$PUBLIC" --server-key "$RUN/keys/intake.pub" \
      --keys-dir "$RUN/keys" --n "$2" --clients "$K" --window "$W" --rate "$3" --tag "$1" \
      "${db[@]}" --e2e-timeout "$4" >"$RUN/load-$1.json" 2>"$RUN/load-$1.log"; } \
    2>"$RUN/load-$1.time" || rc=$?
  sed 's/^/  /' "$RUN/load-$1.log" >&2
  case $rc in
    0) ;;
    3) say "pass $1: not every acknowledgement letter came within $4 s; figures cover those that did" ;;
    *) say "the load pass $1 failed (exit $rc)"; exit 1 ;;
  esac
}

declare -a RSS_AFTER=()
# Other work on the machine skews every figure: note what else was running.
OTHER_CPU=$(top -b -n2 -d1 -w 200 | awk '/^top -/ {f++} f == 2 && $1 ~ /^[0-9]+$/ && $9 + 0 > 5 &&
  $12 !~ /^(candour-|postgres|top$)/ {printf "%s %s%%; ", $12, $9}')
((PROFILE)) && sql "SELECT pg_stat_statements_reset()" >/dev/null
CPU0=$(cpu_ticks "${PIDS[@]}")
PG0=$(pg_ticks)
read -r WAL0 XACT0 <<<"$(wal_now)"
LSN0=$(sql "SELECT pg_current_wal_lsn()")
say "main pass: $N complaints, $K clients, window $W"
PERF_PID=""
if ((PROFILE)) && command -v perf >/dev/null; then
  # A system-wide CPU profile of the main pass (stopped after it).
  perf record -F 499 -a -o "$RUN/perf.data" >/dev/null 2>&1 &
  PERF_PID=$!
fi
LAG_FILE=$RUN/reporting-lag.txt
read -r LAG_T0 _ <<<"$(lag_now)"
LAG_A0=$(metric reporting candour_inbox_applied_total)
lag_sampler "$LAG_FILE" &
LAG_PID=$!
load run1 "$N" 0 "$E2E_TIMEOUT"
if [[ -n $PERF_PID ]]; then
  kill -TERM "$PERF_PID" 2>/dev/null || true
  wait "$PERF_PID" 2>/dev/null || true
  perf report -i "$RUN/perf.data" --sort comm,dso --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' |
    head -n 30 >"$RUN/perf_by_process.txt" || true
  perf report -i "$RUN/perf.data" --comm postgres --sort sym --stdio 2>/dev/null | grep -v '^#' |
    grep -v '^$' | head -n 60 >"$RUN/perf_postgres.txt" || true
  say "profile: $RUN/perf_by_process.txt, $RUN/perf_postgres.txt"
fi
CPU1=$(cpu_ticks "${PIDS[@]}")
PG1=$(pg_ticks)
read -r WAL1 XACT1 <<<"$(wal_now)"
LSN1=$(sql "SELECT pg_current_wal_lsn()")
WAL_KB_PER=$(awk -v a="$WAL0" -v b="$WAL1" -v n="$N" 'BEGIN{printf "%.1f", (b - a) / 1024 / n}')
XACT_PER=$(awk -v a="$XACT0" -v b="$XACT1" -v n="$N" 'BEGIN{printf "%.2f", (b - a) / n}')
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
RSS_AFTER+=("$(rss_line)")
MAIN=$RUN/load-run1.json
# reporting's lag over the main pass: it has until --e2e-timeout after the
# last letter to take every event (the next pass starts once it has).
if ((REPORTING_LATE)); then
  say "--reporting-late: starting reporting"
  start_daemon reporting
  wait_ready $((${#PIDS[@]} - 1))
  kill "$LAG_PID" 2>/dev/null || true # a sampler that knows reporting's admin port
  wait "$LAG_PID" 2>/dev/null || true
  lag_sampler "$LAG_FILE" &
  LAG_PID=$!
fi
say "waiting for reporting to catch up"
LAG_CAUGHT=$(lag_wait "$E2E_TIMEOUT")
LAG_A1=$(metric reporting candour_inbox_applied_total)
LAG_T1=${LAG_CAUGHT:-$(lag_now | cut -d' ' -f1)}
LAG_LAST_LETTER=$(sql "SELECT coalesce(extract(epoch FROM max(delivered_at)), 0) FROM notify.letter
  WHERE kind = 'acknowledgement'")
read -r LAG_PEAK LAG_PEAK_AGE <<<"$(awk -v t1="$LAG_T1" '$1 <= t1 && NF >= 4 {
  if ($2 > b) b = $2; if ($3 > a) a = $3 } END {printf "%d %.1f", b, a}' "$LAG_FILE" 2>/dev/null ||
  echo 0 0)"
if [[ -n $LAG_CAUGHT ]]; then
  LAG_CATCHUP_S=$(awk -v c="$LAG_CAUGHT" -v l="$LAG_LAST_LETTER" 'BEGIN{d = c - l; printf "%.1f", (d > 0 ? d : 0)}')
  say "reporting caught up $LAG_CATCHUP_S s after the last acknowledgement letter"
else
  LAG_CATCHUP_S=null
  say "reporting had not caught up $E2E_TIMEOUT s after the main pass"
fi
# What reporting applied from the pass's start until it caught up (or gave up).
REP_EVENTS=$((LAG_A1 - LAG_A0))
REP_SPAN=$(awk -v a="$LAG_T0" -v b="$LAG_T1" 'BEGIN{printf "%.3f", b - a}')
REP_EV_PER_S=$(awk -v e="$REP_EVENTS" -v s="$REP_SPAN" 'BEGIN{printf "%.1f", (s > 0 ? e / s : 0)}')
REP_PER_S=$(awk -v n="$N" -v s="$REP_SPAN" 'BEGIN{printf "%.1f", (s > 0 ? n / s : 0)}')
# The fastest it took events over any 5 s of the pass (samples a second apart).
REP_PEAK_RATE=$(awk -v t1="$LAG_T1" '$1 <= t1 && NF >= 5 {t[n] = $1; a[n++] = $5}
  END {for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (t[j] - t[i] >= 5) {
    r = (a[j] - a[i]) / (t[j] - t[i]); if (r > m) m = r; break }
  printf "%.1f", m + 0}' "$LAG_FILE" 2>/dev/null || echo 0)
INTAKE_PER_S=$(jq .intake_per_s "$MAIN")
HALF_RATE=$(awk -v r="$INTAKE_PER_S" 'BEGIN{printf "%.0f", r / 2}')
HALF_N=$(((N + 3) / 4))
# Before a latency pass: every event of the passes before it delivered (each
# service's outbox empty), so the pass measures its own load, not the tail of
# the last one's (status changes and reporting go on after the letters the
# load waits for). At most E2E_TIMEOUT seconds.
wait_drained() {
  local q="SELECT 0" s t0
  for s in intake routing investigation signoff notify reporting; do
    q="$q + (SELECT count(*) FROM $s.outbox_delivery WHERE delivered_at IS NULL AND dead_at IS NULL)"
  done
  t0=$(date +%s.%N)
  for _ in $(seq 1 $((E2E_TIMEOUT * 10))); do
    [[ $(sql "$q") == 0 ]] && break
    sleep 0.1
  done
  say "every outbox drained $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}') s before the $1 pass (pending now: $(sql "$q"))"
}
wait_drained half-rate
say "half-rate pass: $HALF_N complaints at $HALF_RATE/s"
load half "$HALF_N" "$HALF_RATE" $((E2E_TIMEOUT < 60 ? E2E_TIMEOUT : 60))
# The same at half the rate the whole suite sustains end to end: below it, the
# backlog behind intake does not grow, and the receipt latency is intake's own.
SUST_RATE=$(jq '.e2e_per_s / 2 | round' "$RUN/load-run1.json")
((SUST_RATE >= 1)) || SUST_RATE=1
say "sustainable-rate pass: $HALF_N complaints at $SUST_RATE/s (half the end-to-end rate)"
intake_split() { # -> "waits commits batches": intake's sums so far
  echo "$(metricf intake candour_intake_batch_wait_seconds_total)" \
    "$(metricf intake candour_intake_batch_commit_seconds_total)" \
    "$(metric intake candour_intake_batches_total)"
}
wait_drained sustainable-rate
read -r W0 C0 B0 <<<"$(intake_split)"
load sust "$HALF_N" "$SUST_RATE" "$E2E_TIMEOUT"
read -r W1 C1 B1 <<<"$(intake_split)"
# Of a receipt's time in that pass, in intake: waiting for its batch to start, and the batch's commit.
SUST_WAIT_MS=$(awk -v a="$W0" -v b="$W1" -v n="$HALF_N" 'BEGIN{printf "%.1f", (b - a) * 1000 / n}')
SUST_COMMIT_MS=$(awk -v a="$C0" -v b="$C1" -v x="$B0" -v y="$B1" \
  'BEGIN{ if (y > x) printf "%.1f", (b - a) * 1000 / (y - x); else print 0 }')
# Intake alone: the services downstream of it stopped (SIGSTOP), a burst of
# HALF_N complaints is absorbed by intake at full speed; then they go on and
# work the backlog off (every acknowledgement letter, before the next pass).
DOWN=()
for i in "${!NAMES[@]}"; do
  [[ ${NAMES[$i]} == intake || ${NAMES[$i]} == gateway ]] || DOWN+=("${PIDS[$i]}")
done
say "intake-alone pass: $HALF_N complaints with ${#DOWN[@]} downstream daemons stopped"
kill -STOP "${DOWN[@]}"
load alone "$HALF_N" 0 0 receipts-only
kill -CONT "${DOWN[@]}"
ALONE_PER_S=$(jq .intake_per_s "$RUN/load-alone.json")
ALONE_T0=$(date +%s.%N)
ALONE_DRAINED=null
for _ in $(seq 1 $((E2E_TIMEOUT * 4))); do
  if [[ $(sql "SELECT (SELECT count(*) FROM intake.complaint) - (SELECT count(*) FROM notify.letter
      WHERE kind = 'acknowledgement' AND delivered_at IS NOT NULL)") -le 0 ]]; then
    ALONE_DRAINED=$(awk -v a="$ALONE_T0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}')
    break
  fi
  sleep 0.25
done
say "intake alone: $ALONE_PER_S receipts/s; the backlog worked off in ${ALONE_DRAINED} s once the others went on"
for ((r = 2; r <= RUNS; r++)); do
  say "run $r: $N complaints"
  load "run$r" "$N" 0 "$E2E_TIMEOUT"
  RSS_AFTER+=("$(rss_line)")
done
# --rebuild: a rebuild while the suite takes N/4 more complaints at the
# sustainable rate, reporting's consumer taking their events beside it (the
# schema is checked below against a quiet rebuild's).
LIVE_REBUILD_LINE=""
if ((REBUILD)); then
  say "rebuild pass: $HALF_N complaints at $SUST_RATE/s while candourctl reporting rebuild runs"
  CANDOUR_DB_URL=$DB_URL "$BIN/candourctl" reporting rebuild >"$RUN/rebuild-live.log" 2>&1 &
  RB_PID=$!
  load rebuild "$HALF_N" "$SUST_RATE" "$E2E_TIMEOUT"
  wait "$RB_PID" || { cat "$RUN/rebuild-live.log" >&2; say "the rebuild beside the pass failed"; exit 1; }
  LIVE_REBUILD_LINE=$(tail -n1 "$RUN/rebuild-live.log")
  say "beside the pass: $LIVE_REBUILD_LINE"
fi

CPU_DETAIL=""

# Where PostgreSQL spent its time during the Candour passes (--profile).
profile_dump() {
  ((PROFILE)) || return 0
  "${PSQL[@]}" -P pager=off >"$RUN/pg_stat_statements.txt" <<'SQL'
SELECT 'all statements' AS total, round(sum(total_exec_time)::numeric) AS exec_ms,
       round(sum(total_plan_time)::numeric) AS plan_ms, sum(calls) AS calls
FROM pg_stat_statements;
SELECT round(total_exec_time::numeric, 0) AS exec_ms, round(total_plan_time::numeric, 0) AS plan_ms,
       calls, rows, round((total_exec_time / greatest(calls, 1))::numeric, 3) AS ms_per_call,
       left(regexp_replace(query, '\s+', ' ', 'g'), 160) AS query
FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 40;
SQL
  say "profile: $RUN/pg_stat_statements.txt"
  # The main pass's WAL by relation (pg_walinspect), while its segments are still there.
  sql "CREATE EXTENSION IF NOT EXISTS pg_walinspect" >/dev/null
  "${PSQL[@]}" -P pager=off -v l0="$LSN0" -v l1="$LSN1" -v n="$N" >"$RUN/wal_by_relation.txt" <<'SQL'
WITH r AS (SELECT substring(block_ref FROM 'rel [0-9]+/[0-9]+/([0-9]+)')::oid AS fn,
                  record_length, fpi_length FROM pg_get_wal_records_info(:'l0', :'l1'))
SELECT coalesce(n.nspname || '.' || c.relname, 'other (' || coalesce(r.fn::text, 'no relation') || ')')
         AS relation,
       count(*) AS records, round(sum(record_length) / 1024.0 / :n, 2) AS kib_per_complaint,
       round(sum(fpi_length) / 1024.0 / :n, 2) AS of_it_page_images
FROM r LEFT JOIN pg_class c ON c.relfilenode = r.fn LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
GROUP BY 1 ORDER BY sum(record_length) DESC LIMIT 30;
SELECT round(sum(record_length) / 1024.0 / :n, 2) AS all_kib_per_complaint,
       round(sum(fpi_length) / 1024.0 / :n, 2) AS of_it_page_images
FROM pg_get_wal_records_info(:'l0', :'l1');
SQL
  say "profile: $RUN/wal_by_relation.txt"
  # Rows written by table since the cluster started, and how many updates
  # were HOT (no index touched: room on the page and no indexed column changed).
  "${PSQL[@]}" -P pager=off >"$RUN/writes_by_table.txt" <<'SQL'
SELECT schemaname || '.' || relname AS table_name, n_tup_ins AS inserts, n_tup_upd AS updates,
       round(100.0 * n_tup_hot_upd / nullif(n_tup_upd, 0)) AS hot_pct, n_tup_del AS deletes
FROM pg_stat_user_tables WHERE n_tup_ins + n_tup_upd + n_tup_del > 0
ORDER BY n_tup_ins + 2 * n_tup_upd + n_tup_del DESC LIMIT 30;
SQL
  say "profile: $RUN/writes_by_table.txt"
}

# ------------------------------------------------------------------ reporting: all taken, once
# After every pass: one reporting.complaint row for each complaint intake
# took and none other, each with its acknowledgement day (letter.sent, the
# last event of a benchmark complaint), and one reporting.inbox record for
# each event delivered to reporting.
REP_CAUGHT_END=$(lag_wait "$E2E_TIMEOUT")
kill "$LAG_PID" 2>/dev/null || true
wait "$LAG_PID" 2>/dev/null || true
LAG_PID=""
REP_ROWS=$(sql "SELECT count(*) FROM reporting.complaint")
REP_MISSING=$(sql "SELECT count(*) FROM intake.complaint i
  WHERE NOT EXISTS (SELECT 1 FROM reporting.complaint r WHERE r.reference = i.reference)")
REP_UNKNOWN=$(sql "SELECT count(*) FROM reporting.complaint r
  WHERE NOT EXISTS (SELECT 1 FROM intake.complaint i WHERE i.reference = r.reference)")
REP_NO_ACK=$(sql "SELECT count(*) FROM reporting.complaint WHERE acknowledged_on IS NULL")
REP_INBOX=$(sql "SELECT count(*) FROM reporting.inbox")
REP_DELIVERED=0
for s in $(sql "SELECT table_schema FROM information_schema.tables WHERE table_name = 'outbox_delivery'
  AND table_schema <> 'reporting'"); do
  REP_DELIVERED=$((REP_DELIVERED + $(sql "SELECT count(*) FROM $s.outbox_delivery
    WHERE subscriber = 'reporting' AND delivered_at IS NOT NULL")))
done
REP_DUPS=$(metric reporting candour_inbox_duplicates_total)
REP_DEAD=$(lag_now | cut -d' ' -f4) # dead-lettered deliveries to reporting
REP_OK=1
[[ $REP_MISSING == 0 && $REP_UNKNOWN == 0 && $REP_NO_ACK == 0 && $REP_INBOX == "$REP_DELIVERED" &&
  $REP_DEAD == 0 && -n $REP_CAUGHT_END ]] || REP_OK=0

# --rebuild: the schema made again from the outboxes, the suite running.
REBUILD_S=null
REBUILD_SAME=null
REBUILD_LINE=""
if ((REBUILD)); then
  say "rebuilding the reporting schema (candourctl reporting rebuild)"
  REP_BEFORE=$(rep_digest)
  R0=$(date +%s.%N)
  CANDOUR_DB_URL=$DB_URL "$BIN/candourctl" reporting rebuild >"$RUN/rebuild.log" 2>&1 ||
    { cat "$RUN/rebuild.log" >&2; say "the rebuild failed"; exit 1; }
  REBUILD_S=$(awk -v a="$R0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}')
  REBUILD_LINE=$(tail -n1 "$RUN/rebuild.log")
  REBUILD_SAME=false
  [[ $(rep_digest) == "$REP_BEFORE" ]] && REBUILD_SAME=true
  say "$REBUILD_LINE in $REBUILD_S s; the same schema: $REBUILD_SAME"
fi

# ------------------------------------------------------------------ nothing twice, work shared
TOTAL=$(sql "SELECT count(*) FROM intake.complaint")
for _ in $(seq 1 20); do
  cases=$(sql "SELECT count(*) FROM investigation.case")
  ((cases >= TOTAL)) && break
  sleep 0.5
done
HIST_BAD=$(sql "SELECT count(*) FROM (SELECT reference FROM routing.history
  WHERE event = 'complaint.received' GROUP BY reference HAVING count(*) <> 1) x")
HIST_N=$(sql "SELECT count(DISTINCT reference) FROM routing.history WHERE event = 'complaint.received'")
CASES=$(sql "SELECT count(*) FROM investigation.case")
CASES_DISTINCT=$(sql "SELECT count(DISTINCT reference) FROM investigation.case")
LETTERS=$(sql "SELECT count(*) FROM notify.letter WHERE kind = 'acknowledgement' AND delivered_at IS NOT NULL")
SPOOLED=$(find "$RUN/spool" -name 'acknowledgement.txt' -type f | wc -l)
# Every benchmark complaint is written to by post: each acknowledgement a print job too.
PRINTED=$(find "$RUN/print" -name '*.json' -type f | wc -l)
DUP_LETTERS=$(sql "SELECT count(*) FROM (SELECT reference FROM notify.letter
  GROUP BY reference, kind HAVING count(*) > 1) x")
TWICE_OK=1
# (the spool may be a letter ahead of notify.letter.delivered_at: written, not yet recorded)
[[ $HIST_BAD == 0 && $CASES == "$CASES_DISTINCT" && $DUP_LETTERS == 0 ]] || TWICE_OK=0
COMPLETE=1
[[ $HIST_N == "$TOTAL" && $CASES == "$TOTAL" && $LETTERS == "$TOTAL" && $SPOOLED == "$TOTAL" &&
  $PRINTED == "$TOTAL" ]] ||
  COMPLETE=0
SHARE=""
SHARE_JSON="{}"
for name in "${INST[@]}"; do
  [[ $name == gateway ]] && continue
  a=$(metric "$name" candour_inbox_applied_total)
  d=$(metric "$name" candour_inbox_duplicates_total)
  SHARE+=$(printf '%s applied %s (redeliveries absorbed %s)\n' "$name" "$a" "$d")$'\n'
  SHARE_JSON=$(jq -c --arg n "$name" --argjson a "$a" --argjson d "$d" '. + {($n): {applied: $a, duplicates: $d}}' <<<"$SHARE_JSON")
done
BATCHES=$(metric intake candour_intake_batches_total)

profile_dump
# ------------------------------------------------------------------ peak RSS, CPU, stop
declare -A HWM=()
PEAK_JSON="{}"
for i in "${!PIDS[@]}"; do
  name=${NAMES[$i]}
  HWM[$name]=$(bc -l <<<"scale=1; $(status_kib "${PIDS[$i]}" VmHWM)/1024")
  PEAK_JSON=$(jq -c --arg n "$name" --argjson v "${HWM[$name]}" '. + {($n): $v}' <<<"$PEAK_JSON")
done
CPU_SUITE_S=$(bc -l <<<"scale=3; ($CPU1 - $CPU0) / $TICK")
CPU_PER_1K=$(bc -l <<<"scale=3; $CPU_SUITE_S * 1000 / $N")
PG_CPU_PER_1K=$(bc -l <<<"scale=3; ($PG1 - $PG0) / $TICK * 1000 / $N")
read -r LOAD_U LOAD_S <"$RUN/load-run1.time"
LOAD_CPU_PER_1K=$(bc -l <<<"scale=3; ($LOAD_U + $LOAD_S) * 1000 / $N")
for i in "${!PIDS[@]}"; do
  CPU_DETAIL+="${NAMES[$i]} $(bc -l <<<"scale=2; $(cpu_ticks "${PIDS[$i]}") / $TICK")s  "
done
say "stopping the daemons"
stop_daemons
bash deploy/pg.sh stop "$PG_DIR" >/dev/null 2>&1 && PG_UP=0

# ------------------------------------------------------------------ table + JSON
j() { jq -r "$1" "$2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2f", a / b; else printf "-" }'; }
E2E_PER_S=$(j .e2e_per_s "$MAIN")
HALF=$RUN/load-half.json
SUST=$RUN/load-sust.json
TABLE=$RUN/table.txt
{
  printf 'Candour benchmark %s: N=%d complaints, K=%d CURVE clients (window %d), instances=%d\n' \
    "$STAMP" "$N" "$K" "$W" "$INSTANCES"
  printf '%s CPUs (%s), PostgreSQL %s (%s), Release build\n\n' "$(nproc)" \
    "$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)" "$PG_VERSION" "$PG_SETTINGS"
  printf '%-52s %12s %8s %8s\n' "" "complaints/s" "vs R1" "vs R100"
  if ((!SKIP_REFS)); then
    printf '%-52s %12.0f\n' "R1   pgbench, 1 complaint/transaction, $K clients" "$R1_PER_S"
    printf '%-52s %12.0f\n' "R100 pgbench, 100 complaints/transaction, $K clients" "$R100_PER_S"
  fi
  printf '%-52s %12.0f %8s %8s\n' "Candour intake receipts" "$INTAKE_PER_S" \
    "$(ratio "$INTAKE_PER_S" "$R1_PER_S")" "$(ratio "$INTAKE_PER_S" "$R100_PER_S")"
  printf '%-52s %12.0f %8s %8s\n' "Candour intake alone (downstream stopped, a burst)" \
    "$ALONE_PER_S" "$(ratio "$ALONE_PER_S" "$R1_PER_S")" "$(ratio "$ALONE_PER_S" "$R100_PER_S")"
  printf '%-52s %12.0f %8s %8s\n' "Candour end to end (acknowledgement letter spooled)" \
    "$E2E_PER_S" "$(ratio "$E2E_PER_S" "$R1_PER_S")" "$(ratio "$E2E_PER_S" "$R100_PER_S")"
  if (($(j .letters "$MAIN") < $(j .receipts "$MAIN"))); then
    printf '  (end to end: only %s of %s letters came within %s s; the rate and latencies cover those)\n' \
      "$(j .letters "$MAIN")" "$(j .receipts "$MAIN")" "$E2E_TIMEOUT"
  fi
  printf '\n%-52s %9s %9s %9s\n' "latency (ms)" p50 p99 p99.9
  printf '%-52s %9.1f %9.1f %9.1f\n' "receipt, full load" "$(j .receipt_p50_ms "$MAIN")" \
    "$(j .receipt_p99_ms "$MAIN")" "$(j .receipt_p999_ms "$MAIN")"
  printf '%-52s %9.1f %9.1f %9.1f\n' "end to end, full load" "$(j .e2e_p50_ms "$MAIN")" \
    "$(j .e2e_p99_ms "$MAIN")" "$(j .e2e_p999_ms "$MAIN")"
  printf '%-52s %9.1f %9.1f %9.1f\n' "receipt at 50% of max rate ($HALF_RATE/s, $HALF_N complaints)" \
    "$(j .receipt_p50_ms "$HALF")" "$(j .receipt_p99_ms "$HALF")" "$(j .receipt_p999_ms "$HALF")"
  printf '%-52s %9.1f %9.1f %9.1f\n' "receipt at 50% of end-to-end rate ($SUST_RATE/s)" \
    "$(j .receipt_p50_ms "$SUST")" "$(j .receipt_p99_ms "$SUST")" "$(j .receipt_p999_ms "$SUST")"
  printf '%-52s %9.1f %9.1f %9.1f\n' "end to end at 50% of end-to-end rate" \
    "$(j .e2e_p50_ms "$SUST")" "$(j .e2e_p99_ms "$SUST")" "$(j .e2e_p999_ms "$SUST")"
  printf '\nreporting consumer, main pass: peak backlog %s events, oldest pending at most %s s old;\n' \
    "$LAG_PEAK" "$LAG_PEAK_AGE"
  if [[ -n $LAG_CAUGHT ]]; then
    printf '  caught up %s s after the last acknowledgement letter; applied %s events in %s s' \
      "$LAG_CATCHUP_S" "$REP_EVENTS" "$REP_SPAN"
    printf ' (%s events/s, %s complaints/s; end to end %s/s)\n' "$REP_EV_PER_S" "$REP_PER_S" "$E2E_PER_S"
    printf '  fastest over 5 s: %s events/s%s\n' "$REP_PEAK_RATE" \
      "$( ((REPORTING_LATE)) && echo ' (started after the pass: its whole backlog waiting)')"
  else
    printf '  NOT caught up %s s after the pass; applied %s events in %s s (%s events/s)\n' \
      "$E2E_TIMEOUT" "$REP_EVENTS" "$REP_SPAN" "$REP_EV_PER_S"
  fi
  printf 'reporting after every pass: %s: %s rows for %s complaints (missing %s, unknown %s,' \
    "$([[ $REP_OK == 1 ]] && echo ok || echo FAILED)" "$REP_ROWS" "$TOTAL" "$REP_MISSING" "$REP_UNKNOWN"
  printf ' without an acknowledgement day %s); inbox %s records for %s events delivered' \
    "$REP_NO_ACK" "$REP_INBOX" "$REP_DELIVERED"
  printf ' (redeliveries absorbed %s, dead-lettered %s)%s\n' "$REP_DUPS" "$REP_DEAD" \
    "$([[ -n $REP_CAUGHT_END ]] || echo '; still behind at the end')"
  if ((REBUILD)); then
    printf 'candourctl reporting rebuild beside a pass at %s/s (end to end p99 %s ms): %s\n' \
      "$SUST_RATE" "$(j .e2e_p99_ms "$RUN/load-rebuild.json")" "$LIVE_REBUILD_LINE"
    printf 'then quiet, the suite running: %s s (%s); the schema the same as before it: %s\n' \
      "$REBUILD_S" "$REBUILD_LINE" "$([[ $REBUILD_SAME == true ]] && echo yes || echo NO)"
  fi
  printf '\nhost load average after the main pass: %s; other busy processes at the start: %s\n' \
    "$LOADAVG" "${OTHER_CPU:-none}"
  printf '\npeak RSS (MiB, VmHWM):'
  for name in "${NAMES[@]}"; do printf ' %s %s' "$name" "${HWM[$name]}"; done
  printf '\nCPU s per 1,000 complaints: suite %.2f; PostgreSQL %.2f; load driver %.2f\n' \
    "$CPU_PER_1K" "$PG_CPU_PER_1K" "$LOAD_CPU_PER_1K"
  printf 'CPU s per daemon over the whole command: %s\n' "$CPU_DETAIL"
  printf 'PostgreSQL wrote %s KiB of WAL and committed %s transactions per complaint (main pass; R1: %s KiB)\n' \
    "$WAL_KB_PER" "$XACT_PER" "$R1_WAL_KB"
  printf 'intake group commit: %s transactions for %s complaints (%.1f per commit)\n' "$BATCHES" \
    "$TOTAL" "$(awk -v a="$TOTAL" -v b="$BATCHES" 'BEGIN{ if (b) printf "%.1f", a / b; else print 0 }')"
  printf 'intake at 50%% of end-to-end rate: a submission waited %s ms on average for its batch to start; a batch took %s ms to commit\n' \
    "$SUST_WAIT_MS" "$SUST_COMMIT_MS"
  for r in "${!RSS_AFTER[@]}"; do
    printf 'RSS/HWM (MiB) after run %d: %s\n' $((r + 1)) "${RSS_AFTER[$r]}"
  done
  printf '\nwork shared (events applied per instance, from /metrics):\n%s' "$SHARE"
  printf 'nothing done twice: %s; all done: %s (%s complaints; complaint.received once in routing'\
' history for %s, %s investigation cases (%s distinct), %s acknowledgement letters delivered, %s in'\
' the spool, %s print jobs)\n' "$([[ $TWICE_OK == 1 ]] && echo ok || echo FAILED)" \
    "$([[ $COMPLETE == 1 ]] && echo yes || echo 'no (still in flight at the end)')" "$TOTAL" "$HIST_N" \
    "$CASES" "$CASES_DISTINCT" "$LETTERS" "$SPOOLED" "$PRINTED"
} >"$TABLE"

jq -n --arg stamp "$STAMP" --argjson n "$N" --argjson clients "$K" --argjson window "$W" \
  --argjson instances "$INSTANCES" --arg pg "$PG_VERSION" --arg pg_settings "$PG_SETTINGS" \
  --argjson intake "$INTAKE_PER_S" --argjson e2e "$E2E_PER_S" \
  --argjson r1 "$R1_PER_S" --argjson r100 "$R100_PER_S" \
  --slurpfile main "$MAIN" --slurpfile half "$HALF" --slurpfile sust "$SUST" --slurpfile alone "$RUN/load-alone.json" --argjson alone_drained "$ALONE_DRAINED" \
  --argjson peak "$PEAK_JSON" --argjson cpu1k "$CPU_PER_1K" --argjson pgcpu1k "$PG_CPU_PER_1K" \
  --argjson loadcpu1k "$LOAD_CPU_PER_1K" --argjson walkib "$WAL_KB_PER" --argjson xactper "$XACT_PER" --argjson share "$SHARE_JSON" \
  --argjson twice_ok "$TWICE_OK" --argjson complete "$COMPLETE" --argjson half_rate "$HALF_RATE" --argjson sust_rate "$SUST_RATE" --argjson batches "$BATCHES" \
  --arg rss_after "$(printf '%s\n' "${RSS_AFTER[@]}")" --arg run_dir "$RUN" --arg loadavg "$LOADAVG" --arg other "$OTHER_CPU" \
  --argjson lag_peak "$LAG_PEAK" --argjson lag_peak_age "$LAG_PEAK_AGE" --argjson lag_catchup "$LAG_CATCHUP_S" \
  --argjson rep_events "$REP_EVENTS" --argjson rep_span "$REP_SPAN" --argjson rep_ev_per_s "$REP_EV_PER_S" \
  --argjson rep_per_s "$REP_PER_S" --argjson rep_rows "$REP_ROWS" --argjson rep_missing "$REP_MISSING" \
  --argjson rep_unknown "$REP_UNKNOWN" --argjson rep_no_ack "$REP_NO_ACK" --argjson rep_inbox "$REP_INBOX" \
  --argjson rep_delivered "$REP_DELIVERED" --argjson rep_dups "$REP_DUPS" --argjson rep_ok "$REP_OK" \
  --arg lag_file "$LAG_FILE" --argjson rebuild_s "$REBUILD_S" --argjson rebuild_same "$REBUILD_SAME" \
  --arg rebuild_line "$REBUILD_LINE" --argjson rep_peak_rate "$REP_PEAK_RATE" \
  --arg live_rebuild_line "$LIVE_REBUILD_LINE" --argjson rep_dead "$REP_DEAD" \
  --argjson reporting_late "$REPORTING_LATE" '
  def ratio(a; b): if b > 0 then ((a / b) * 100 | round) / 100 else null end;
  {
    stamp: $stamp, n: $n, clients: $clients, window: $window, instances: $instances,
    postgresql: $pg, settings: $pg_settings,
    intake_per_s: $intake, e2e_per_s: $e2e,
    r1_per_s: (if $r1 > 0 then $r1 else null end), r100_per_s: (if $r100 > 0 then $r100 else null end),
    intake_vs_r1: ratio($intake; $r1), intake_vs_r100: ratio($intake; $r100),
    e2e_vs_r1: ratio($e2e; $r1), e2e_vs_r100: ratio($e2e; $r100),
    receipt_p50_ms: $main[0].receipt_p50_ms, receipt_p99_ms: $main[0].receipt_p99_ms,
    receipt_p999_ms: $main[0].receipt_p999_ms,
    e2e_p50_ms: $main[0].e2e_p50_ms, e2e_p99_ms: $main[0].e2e_p99_ms,
    e2e_p999_ms: $main[0].e2e_p999_ms,
    half_rate_per_s: $half_rate, half_rate_receipt_p99_ms: $half[0].receipt_p99_ms,
    sustainable_rate_per_s: $sust_rate, sustainable_receipt_p99_ms: $sust[0].receipt_p99_ms,
    intake_alone_per_s: $alone[0].intake_per_s, intake_alone_backlog_s: $alone_drained,
    sustainable_e2e_p99_ms: $sust[0].e2e_p99_ms,
    peak_rss_mib: $peak, cpu_s_per_1000: $cpu1k, postgres_cpu_s_per_1000: $pgcpu1k,
    load_driver_cpu_s_per_1000: $loadcpu1k, intake_commits: $batches,
    wal_kib_per_complaint: $walkib, commits_per_complaint: $xactper,
    work_shared: $share, nothing_twice: ($twice_ok == 1), all_done: ($complete == 1),
    rss_after_runs: ($rss_after | split("\n") | map(select(length > 0))),
    loadavg_after_main: $loadavg, other_busy_at_start: $other,
    reporting: {
      peak_backlog: $lag_peak, peak_oldest_age_s: $lag_peak_age,
      caught_up_after_last_letter_s: $lag_catchup,
      applied_events: $rep_events, span_s: $rep_span, applied_events_per_s: $rep_ev_per_s,
      peak_5s_events_per_s: $rep_peak_rate, started_after_main_pass: ($reporting_late == 1),
      complaints_per_s: (if $lag_catchup == null then null else $rep_per_s end),
      rows: $rep_rows, missing: $rep_missing, unknown: $rep_unknown,
      without_ack_day: $rep_no_ack, inbox: $rep_inbox, delivered: $rep_delivered,
      duplicates_absorbed: $rep_dups, dead_lettered: $rep_dead, ok: ($rep_ok == 1), samples: $lag_file,
      rebuild_s: $rebuild_s, rebuild_same: $rebuild_same,
      rebuild: (if $rebuild_line == "" then null else $rebuild_line end),
      rebuild_beside_a_pass: (if $live_rebuild_line == "" then null else $live_rebuild_line end)
    },
    main_pass: $main[0], half_rate_pass: $half[0], sustainable_rate_pass: $sust[0],
    run_dir: $run_dir
  }' >"$OUT/$STAMP.json"
cp "$OUT/$STAMP.json" "$OUT/latest.json"

echo
cat "$TABLE"
echo
say "JSON: var/bench/$STAMP.json (and var/bench/latest.json); logs: ${RUN#"$ROOT"/}/"
((TWICE_OK)) || { say "a complaint was processed twice or not at all (see above)"; exit 1; }
((REP_OK)) || { say "reporting lost or invented a complaint, or fell behind (see above)"; exit 1; }
[[ $REBUILD_SAME != false ]] || { say "the rebuild did not give the schema the consumer made"; exit 1; }
