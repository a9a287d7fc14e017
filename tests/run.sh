#!/usr/bin/env bash
# tests/run.sh [--quick] [-- CTEST_ARGS...] - the test command.
#
# Installs the Debian packages it lacks (deploy/install-deps.sh test), builds
# Debug into build/ and Asan into build-asan/, starts a throwaway PostgreSQL
# cluster in a temp dir on a free loopback port (deploy/pg.sh), and runs ctest on
# both builds with CANDOUR_TEST_DB_URL pointing at it. The cluster is stopped and
# deleted on exit, whatever happens.
#
#   --quick         skip the Asan build
#   -- ARGS...      passed to ctest, e.g. tests/run.sh -- -R unit
#   CANDOUR_TEST_JOBS   ctest parallelism (default 2)
#   CANDOUR_FUZZ_SECONDS  seconds per fuzz target in the final smoke run (default 10)
#
# Ends with the line `tests: N passed, M failed` (over both builds) and exits
# non-zero if anything failed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT"

quick=0
ctest_args=()
while (($#)); do
  case "$1" in
    --quick) quick=1 ;;
    --)
      shift
      ctest_args=("$@")
      break
      ;;
    -h | --help)
      sed -n '2,16p' "$0"
      exit 0
      ;;
    *)
      echo "tests/run.sh: unknown argument $1 (try --help)" >&2
      exit 2
      ;;
  esac
  shift
done

say() { printf 'tests/run.sh: %s\n' "$*" >&2; }

PASSED=0
FAILED=0
PG_DIR=""
OUT_DIR=$(mktemp -d -t candour-tests.XXXXXX)

# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
  local rc=$?
  if [[ -n "$PG_DIR" ]]; then
    bash deploy/pg.sh stop "$PG_DIR" >/dev/null 2>&1 || say "could not stop the cluster in $PG_DIR"
    rm -rf "$PG_DIR"
  fi
  rm -rf "$OUT_DIR"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

summary_and_exit() {
  echo
  echo "tests: $PASSED passed, $FAILED failed"
  if ((FAILED > 0)); then exit 1; fi
  exit "${1:-0}"
}

bash deploy/install-deps.sh test

build() { # dir type
  say "building $2 into $1/"
  if ! cmake -S . -B "$1" -DCMAKE_BUILD_TYPE="$2" || ! cmake --build "$1" -j2; then
    say "the $2 build failed"
    FAILED=$((FAILED + 1))
    summary_and_exit 1
  fi
}

# A loopback port nobody listens on, away from Linux's ephemeral range (32768+).
free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + (RANDOM % 12000)))
    if [[ -z "$(ss -Hltn "sport = :$p" 2>/dev/null)" ]]; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

start_cluster() {
  local try port
  PG_DIR=$(mktemp -d -t candour-pg.XXXXXX)
  for try in 1 2 3 4 5; do
    port=$(free_port) || break
    if bash deploy/pg.sh start "$PG_DIR" "$port"; then
      CANDOUR_TEST_DB_URL=$(bash deploy/pg.sh url "$PG_DIR" "$port")
      export CANDOUR_TEST_DB_URL
      return 0
    fi
    say "could not start the cluster on port $port (try $try), trying another port"
  done
  say "could not start a PostgreSQL cluster"
  FAILED=$((FAILED + 1))
  summary_and_exit 1
}

run_ctest() { # dir label
  local dir=$1 label=$2 log="$OUT_DIR/ctest-$2.log" rc=0 line failed total
  say "running ctest on $dir ($label)"
  ctest --test-dir "$dir" --output-on-failure -j "${CANDOUR_TEST_JOBS:-2}" \
    ${ctest_args[@]+"${ctest_args[@]}"} </dev/null 2>&1 | tee "$log" || rc=$?
  # e.g. "100% tests passed, 0 tests failed out of 42"
  line=$(grep -E '[0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1 || true)
  if [[ "$line" =~ ([0-9]+)\ tests?\ failed\ out\ of\ ([0-9]+) ]]; then
    failed=${BASH_REMATCH[1]}
    total=${BASH_REMATCH[2]}
    PASSED=$((PASSED + total - failed))
    FAILED=$((FAILED + failed))
    if ((rc != 0 && failed == 0)); then
      say "ctest ($label) exited $rc with no failed test reported"
      FAILED=$((FAILED + 1))
    fi
  elif ((rc != 0)); then
    say "ctest ($label) exited $rc without a summary"
    FAILED=$((FAILED + 1))
  else
    say "ctest ($label) ran no test"
  fi
}

build build Debug
if ((!quick)); then build build-asan Asan; fi

start_cluster

run_ctest build Debug
if ((!quick)); then
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_ctest build-asan Asan
fi

# A short libFuzzer run of every tests/fuzz target; counts as one test.
if bash tests/fuzz/run.sh "${CANDOUR_FUZZ_SECONDS:-10}"; then
  PASSED=$((PASSED + 1))
else
  say "the fuzz smoke run failed (see build-fuzz/*.log)"
  FAILED=$((FAILED + 1))
fi

summary_and_exit 0
