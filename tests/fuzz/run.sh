#!/usr/bin/env bash
# tests/fuzz/run.sh [SECONDS] [TARGET...] - build and run the libFuzzer targets.
#
#   bash tests/fuzz/run.sh            # every target for 300 s each (the 5-minute run)
#   bash tests/fuzz/run.sh 20         # a smoke run (tests/run.sh does this)
#   bash tests/fuzz/run.sh 300 fuzz_intake   # one target only
#
# Targets are tests/fuzz/fuzz_*.c. Each is built with clang -g -O1
# -fsanitize=fuzzer,address,undefined (UBSan fatal) into build-fuzz/, from
# protobuf-c code generated into build-fuzz/gen and the common/ and intake
# sources it needs; nothing is rebuilt unless a source, header or .proto is
# newer than the binary. tests/fuzz/make_corpus.c writes the seed corpus of
# fuzz_intake (tests/fuzz/corpus/intake) again when it or the protos change.
#
# Target fuzz_X runs over tests/fuzz/corpus/X, copied into
# build-fuzz/corpus/X (which keeps what earlier runs found; the repository's
# corpus is never written to), for SECONDS with -max_total_time=SECONDS
# -timeout=10 -rss_limit_mb=2048 (and -dict=tests/fuzz/fuzz_X.dict if there
# is one). A crashing input is saved under
# build-fuzz/artifacts/X/; reproduce with build-fuzz/fuzz_X <that file>.
#
# Prints one line per target (runs, coverage, result) and exits non-zero if any
# target failed to build or crashed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$ROOT"

SECONDS_EACH=${1:-300}
shift || true
if ! [[ "$SECONDS_EACH" =~ ^[0-9]+$ ]] || ((SECONDS_EACH < 1)); then
  echo "tests/fuzz/run.sh: SECONDS must be a positive whole number (got $SECONDS_EACH)" >&2
  exit 2
fi

CC=${FUZZ_CC:-clang}
OUT=build-fuzz
GEN=$OUT/gen
CFLAGS=(-std=gnu11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer
  -fsanitize=address,undefined -fno-sanitize-recover=undefined
  -Wall -Wextra -Wno-unused-parameter
  -Icommon/include -Iservices/intake -Iservices/notify -Iservices/gateway -I"$GEN"
  -I/usr/include/postgresql) # routes.c's roles come from directory.h, which includes libpq-fe.h
LIBS=(-lprotobuf-c -ljansson -lm -ljwt -lssl -lcrypto)

say() { printf 'fuzz: %s\n' "$*" >&2; }

# stale TARGET DEP... : true when TARGET is missing or any DEP is newer.
stale() {
  local t=$1 d
  shift
  [[ -e "$t" ]] || return 0
  for d in "$@"; do
    [[ "$d" -nt "$t" ]] && return 0
  done
  return 1
}

command -v "$CC" >/dev/null || { say "$CC not found (apt-get install clang libclang-rt-14-dev)"; exit 2; }
command -v protoc-c >/dev/null || { say "protoc-c not found (apt-get install protobuf-c-compiler)"; exit 2; }
mkdir -p "$OUT" "$GEN"

# --- protobuf-c code ---------------------------------------------------------
PROTOS=(proto/candour/v1/*.proto)
PB_SRCS=()
for p in "${PROTOS[@]}"; do
  base=$(basename "$p" .proto)
  PB_SRCS+=("$GEN/candour/v1/$base.pb-c.c")
done
regen=0
for c in "${PB_SRCS[@]}"; do
  stale "$c" "${PROTOS[@]}" && regen=1
done
if ((regen)); then
  say "protoc-c ${PROTOS[*]}"
  protoc-c --proto_path=proto --c_out="$GEN" "${PROTOS[@]}"
  touch "${PB_SRCS[@]}"
fi

HEADERS=(common/include/candour/*.h services/intake/*.h services/notify/bounce.h
  services/notify/template.h services/gateway/oidc.h services/gateway/routes.h
  services/gateway/build.h "$GEN"/candour/v1/*.pb-c.h)

# The project sources each target links (none needs libzmq, libuv or libpq).
sources_for() {
  case "$1" in
    fuzz_pbjson) echo common/src/pbjson.c common/src/errcode.c ;;
    fuzz_dsn) echo services/notify/dsn.c common/src/util.c common/src/calendar.c ;;
    fuzz_template) echo services/notify/template.c ;;
    fuzz_oidc) echo services/gateway/oidc.c ;;
    fuzz_gateway) echo services/gateway/routes.c services/gateway/build.c common/src/pbjson.c \
      common/src/util.c common/src/calendar.c \
      common/src/errcode.c ;;
    fuzz_intake)
      echo common/src/pbjson.c common/src/pb.c common/src/util.c common/src/calendar.c \
        common/src/error.c common/src/errcode.c common/src/events.c common/src/lifecycle.c \
        services/intake/validate.c services/intake/classify.c
      ;;
    *) echo common/src/pbjson.c common/src/util.c common/src/calendar.c common/src/error.c \
      common/src/errcode.c common/src/events.c common/src/lifecycle.c common/src/pb.c services/intake/validate.c \
      services/intake/classify.c ;;
  esac
}

# --- the seed corpus of fuzz_intake ------------------------------------------
MC=$OUT/make_corpus
INTAKE_CORPUS=tests/fuzz/corpus/intake
if stale "$MC" tests/fuzz/make_corpus.c "${PB_SRCS[@]}" "${HEADERS[@]}" ||
  ! compgen -G "$INTAKE_CORPUS/*.bin" >/dev/null; then
  say "building $MC"
  "$CC" "${CFLAGS[@]}" -o "$MC" tests/fuzz/make_corpus.c "${PB_SRCS[@]}" "${LIBS[@]}"
  mkdir -p "$INTAKE_CORPUS"
  "$MC" "$INTAKE_CORPUS"
fi

# --- targets -----------------------------------------------------------------
if (($#)); then
  TARGETS=("$@")
else
  TARGETS=()
  for f in tests/fuzz/fuzz_*.c; do TARGETS+=("$(basename "$f" .c)"); done
fi

SUMMARY=()
failed=0
for t in "${TARGETS[@]}"; do
  src=tests/fuzz/$t.c
  name=${t#fuzz_}
  if [[ ! -f "$src" ]]; then
    say "no such target: $src"
    SUMMARY+=("$t: result=NO-SUCH-TARGET")
    failed=1
    continue
  fi
  read -r -a srcs <<<"$(sources_for "$t")"
  bin=$OUT/$t
  if stale "$bin" "$src" "${srcs[@]}" "${PB_SRCS[@]}" "${HEADERS[@]}" tests/fuzz/run.sh; then
    say "building $bin"
    if ! "$CC" "${CFLAGS[@]}" -fsanitize=fuzzer -o "$bin" "$src" "${srcs[@]}" "${PB_SRCS[@]}" \
      "${LIBS[@]}"; then
      SUMMARY+=("$t: result=BUILD-FAILED")
      failed=1
      continue
    fi
  fi

  corpus=$OUT/corpus/$name
  artifacts=$OUT/artifacts/$name
  log=$OUT/$t.log
  mkdir -p "$corpus" "$artifacts"
  if [[ -d tests/fuzz/corpus/$name ]]; then
    cp -f tests/fuzz/corpus/"$name"/* "$corpus"/ 2>/dev/null || true
  fi
  dict=""
  [[ -f tests/fuzz/$t.dict ]] && dict=tests/fuzz/$t.dict
  say "running $t for ${SECONDS_EACH}s over $corpus (log: $log)"
  rc=0
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    "./$bin" "$corpus" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 \
    ${dict:+-dict="$dict"} >"$log" 2>&1 </dev/null || rc=$?

  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
  [[ -z "$runs" && "$last" =~ ^#([0-9]+) ]] && runs=${BASH_REMATCH[1]}
  cov=$(sed -nE 's/.*cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+).*/cov=\1 ft=\2 corpus=\3/p' <<<"$last")
  speed=$(sed -nE 's/.*exec\/s: ([0-9]+).*/exec\/s=\1/p' <<<"$last")
  if ((rc == 0)); then
    result=ok
  else
    failed=1
    artifact=$(sed -nE 's/.*Test unit written to (.*)$/\1/p' "$log" | tail -n 1)
    result="CRASH rc=$rc${artifact:+ reproducer=$artifact}"
    say "$t failed; the end of $log:"
    tail -n 60 "$log" >&2
  fi
  SUMMARY+=("$t: runs=${runs:-?} ${cov:-cov=?} ${speed:-} time=${SECONDS_EACH}s result=$result")
done

for line in "${SUMMARY[@]}"; do echo "$line"; done
exit "$failed"
