#!/usr/bin/env bash
# deploy/patroni.sh - a PostgreSQL primary and a synchronous standby managed by
# Patroni, with one etcd member as the configuration store, all on loopback
# ports of this machine: the failover test's database (tests/e2e/test_failover.c)
# and a way for ops to try failover by hand. In production the same Patroni
# settings run on three machines (README "High availability").
#
#   deploy/patroni.sh up DIR [NODES]   etcd + NODES (default 2) Patroni nodes on free
#                                      ports; waits for a leader and a streaming
#                                      synchronous standby; creates database
#                                      candour; writes DIR/cluster.env (below)
#   deploy/patroni.sh down DIR         stops everything the cluster in DIR runs
#   deploy/patroni.sh leader DIR       prints the leader's node name (pg1, pg2, ...)
#   deploy/patroni.sh kill DIR NODE    kill -9 the node's Patroni and PostgreSQL
#                                      (the machine lost, as far as the others see)
#   deploy/patroni.sh freeze DIR NODE  SIGSTOP the node's Patroni and PostgreSQL:
#                                      a machine that hangs, its sockets open
#   deploy/patroni.sh thaw DIR NODE    SIGCONT them: it finds it lost the lead
#                                      and rejoins as a standby
#   deploy/patroni.sh start DIR NODE   start the node's Patroni again: an old
#                                      primary rejoins as a standby (pg_rewind)
#   deploy/patroni.sh wait DIR N [S]   until N members run, one leading and the
#                                      others streaming (at most S seconds, 90)
#
# DIR/cluster.env (KEY=value lines): CANDOUR_DB_URL (the libpq multi-host URL
# with target_session_attrs=read-write that every service uses), ETCD_PORT,
# NODES, and per node PG<i>_PORT, REST<i>_PORT.
#
# Timing: ttl 10 s, loop_wait 1 s, retry_timeout 3 s, so a lost primary's
# leader key expires within 10 s and the synchronous standby takes over.
# synchronous_mode: a transaction is acknowledged only once the standby has it,
# and Patroni promotes only that standby, so nothing acknowledged is lost.
# Patroni talks to etcd by its v2 API (etcd: and --enable-v2): with Debian 12's
# Patroni 3.0.2 and etcd3:, a primary frozen past its lease and then thawed
# took the leader key back from the standby promoted in its place.
set -euo pipefail

die() {
  echo "patroni.sh: $*" >&2
  exit 1
}
say() { echo "patroni.sh: $*" >&2; }
usage() {
  sed -n '2,34p' "$0" >&2
  exit 2
}

source "$(dirname "${BASH_SOURCE[0]}")/pg-lib.sh"

cmd=${1:-}
DIR=${2:-}
[[ -n "$cmd" && -n "$DIR" ]] || usage

free_port() {
  local p taken=" ${*:-} "
  for _ in $(seq 1 100); do
    p=$((20000 + (RANDOM % 12000)))
    [[ "$taken" == *" $p "* ]] && continue
    if [[ -z "$(ss -Hltn "sport = :$p" 2>/dev/null)" ]]; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

as_user() {
  if [[ $(id -u) -ne 0 ]]; then
    "$@"
  else
    setpriv --reuid "$OSUSER" --regid "$OSUSER" --init-groups -- "$@"
  fi
}

load_env() {
  [[ -f "$DIR/cluster.env" ]] || die "no cluster in $DIR (no cluster.env)"
  # shellcheck disable=SC1091
  source "$DIR/cluster.env"
}

rest() { # node path -> body (curl's status in $REST_STATUS)
  local port_var="REST${1#pg}_PORT"
  curl -s -m 2 -o /dev/stdout -w '\n%{http_code}' "http://127.0.0.1:${!port_var}$2" 2>/dev/null || true
}

node_yml() { # i
  local i=$1 pgp=$2 restp=$3
  cat <<EOF
scope: candour
name: pg$i
log:
  level: INFO
  dir: $DIR/pg$i
restapi:
  listen: 127.0.0.1:$restp
  connect_address: 127.0.0.1:$restp
etcd:
  hosts: 127.0.0.1:$ETCD_PORT
bootstrap:
  dcs:
    ttl: 10
    loop_wait: 1
    retry_timeout: 3
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        max_connections: 200
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        wal_keep_size: 256MB
  initdb:
    - encoding: UTF8
    - locale: $LOCALE
  pg_hba:
    - local all all trust
    - host all all 127.0.0.1/32 trust
    - local replication all trust
    - host replication all 127.0.0.1/32 trust
postgresql:
  listen: 127.0.0.1:$pgp
  connect_address: 127.0.0.1:$pgp
  data_dir: $DIR/pg$i/data
  bin_dir: $BIN
  pgpass: $DIR/pg$i/pgpass
  authentication:
    superuser:
      username: candour
    replication:
      username: replicator
    rewind:
      username: candour
  parameters:
    unix_socket_directories: $DIR/pg$i/run
EOF
}

start_node() { # i
  local i=$1
  mkdir -p "$DIR/pg$i/run"
  chown "$OSUSER:" "$DIR/pg$i" "$DIR/pg$i/run" 2>/dev/null || true
  setsid bash -c "exec \"\$@\" >>'$DIR/pg$i/patroni.out' 2>&1" _ \
    $( (($(id -u) == 0)) && echo setpriv --reuid "$OSUSER" --regid "$OSUSER" --init-groups --) \
    patroni "$DIR/pg$i.yml" </dev/null &
  echo $! >"$DIR/pg$i/patroni.pid"
}

members() { # -> lines "name role state lag"
  local body
  body=$(curl -s -m 2 "http://127.0.0.1:$1/cluster" 2>/dev/null) || return 0
  python3 -c '
import json, sys
try:
    c = json.loads(sys.argv[1])
except ValueError:
    sys.exit(0)
for m in c.get("members", []):
    print(m.get("name"), m.get("role"), m.get("state"), m.get("lag", "-"))
' "$body"
}

wait_healthy() { # want seconds
  local want=$1 limit=$((SECONDS + ${2:-90})) i m leaders streaming
  while ((SECONDS < limit)); do
    for ((i = 1; i <= NODES; i++)); do
      local v="REST${i}_PORT"
      m=$(members "${!v}")
      [[ -n "$m" ]] && break
    done
    leaders=$(grep -cE ' (leader|master) running ' <<<"$m" || true)
    streaming=$(grep -cE ' (sync_standby|replica) (streaming|running) ' <<<"$m" || true)
    if ((leaders == 1 && streaming == want - 1)) &&
      { ((want == 1)) || grep -q ' sync_standby ' <<<"$m"; }; then
      return 0
    fi
    sleep 0.5
  done
  say "the cluster did not become healthy ($want members) within ${2:-90} s:"
  echo "$m" >&2
  return 1
}

leader() {
  local i v m
  for ((i = 1; i <= NODES; i++)); do
    v="REST${i}_PORT"
    m=$(members "${!v}")
    [[ -n "$m" ]] && break
  done
  awk '$2 == "leader" || $2 == "master" { print $1; exit }' <<<"$m"
}

case "$cmd" in
  up)
    NODES=${3:-2}
    [[ "$NODES" =~ ^[1-9]$ ]] || die "NODES must be 1-9"
    command -v patroni >/dev/null && command -v etcd >/dev/null ||
      die "needs patroni and etcd (apt-get install patroni etcd-server)"
    BIN=$(pg_find_bindir initdb pg_ctl pg_rewind)
    OSUSER=$(pg_cluster_user)
    LOCALE=C
    if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then LOCALE=C.UTF-8; fi
    mkdir -p "$DIR"
    DIR=$(cd "$DIR" && pwd -P)
    [[ ! -f "$DIR/cluster.env" ]] || die "$DIR already holds a cluster (down it first)"
    if [[ $(id -u) -eq 0 ]]; then
      chmod 0755 "$DIR"
      p=""
      IFS=/ read -r -a parts <<<"${DIR#/}"
      for part in "${parts[@]}"; do
        p="$p/$part"
        setpriv --reuid "$OSUSER" --regid "$OSUSER" --init-groups -- test -x "$p" || chmod o+x "$p"
      done
    fi
    taken=()
    ETCD_PORT=$(free_port) && taken+=("$ETCD_PORT")
    ETCD_PEER=$(free_port "${taken[@]}") && taken+=("$ETCD_PEER")
    {
      echo "NODES=$NODES"
      echo "ETCD_PORT=$ETCD_PORT"
      echo "OSUSER=$OSUSER"
      echo "BIN=$BIN"
    } >"$DIR/cluster.env.tmp"
    hosts=""
    for ((i = 1; i <= NODES; i++)); do
      pgp=$(free_port "${taken[@]}") && taken+=("$pgp")
      restp=$(free_port "${taken[@]}") && taken+=("$restp")
      echo "PG${i}_PORT=$pgp" >>"$DIR/cluster.env.tmp"
      echo "REST${i}_PORT=$restp" >>"$DIR/cluster.env.tmp"
      hosts+="${hosts:+,}127.0.0.1:$pgp"
      node_yml "$i" "$pgp" "$restp" >"$DIR/pg$i.yml"
    done
    # Quoted: the & would end a shell line that sources the file.
    echo "CANDOUR_DB_URL='postgresql://candour@$hosts/candour?target_session_attrs=read-write&connect_timeout=3'" \
      >>"$DIR/cluster.env.tmp"
    mv "$DIR/cluster.env.tmp" "$DIR/cluster.env"
    load_env
    mkdir -p "$DIR/etcd"
    setsid etcd --name e1 --data-dir "$DIR/etcd" \
      --listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
      --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
      --listen-peer-urls "http://127.0.0.1:$ETCD_PEER" \
      --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER" \
      --initial-cluster "e1=http://127.0.0.1:$ETCD_PEER" \
      --enable-v2=true --log-level warn >"$DIR/etcd.log" 2>&1 </dev/null &
    echo $! >"$DIR/etcd.pid"
    for _ in $(seq 1 100); do
      curl -s -m 1 "http://127.0.0.1:$ETCD_PORT/health" | grep -q true && break
      sleep 0.1
    done
    curl -s -m 1 "http://127.0.0.1:$ETCD_PORT/health" | grep -q true || die "etcd did not start (see $DIR/etcd.log)"
    chown "$OSUSER:" "$DIR"/pg*.yml
    # The first node bootstraps the cluster; the others then copy it.
    mkdir -p "$DIR/pg1"
    chown "$OSUSER:" "$DIR/pg1"
    start_node 1
    wait_healthy 1 60 || die "no leader (see $DIR/pg1/patroni.log)"
    for ((i = 2; i <= NODES; i++)); do
      mkdir -p "$DIR/pg$i"
      chown "$OSUSER:" "$DIR/pg$i"
      start_node "$i"
    done
    wait_healthy "$NODES" 90 || die "the standbys did not catch up (see $DIR/pg*/patroni.log)"
    as_user "$BIN/psql" -h "$DIR/pg1/run" -p "$PG1_PORT" -U candour -d postgres -qAt \
      -c "CREATE DATABASE candour" >/dev/null 2>&1 ||
      die "could not create database candour on the leader"
    echo "$CANDOUR_DB_URL"
    ;;
  down)
    [[ -f "$DIR/cluster.env" ]] || exit 0
    load_env
    for ((i = 1; i <= NODES; i++)); do
      [[ -f "$DIR/pg$i/patroni.pid" ]] || continue
      pid=$(cat "$DIR/pg$i/patroni.pid")
      kill -TERM "$pid" 2>/dev/null || true
    done
    for ((i = 1; i <= NODES; i++)); do
      [[ -f "$DIR/pg$i/patroni.pid" ]] || continue
      pid=$(cat "$DIR/pg$i/patroni.pid")
      for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
      if [[ -f "$DIR/pg$i/data/postmaster.pid" ]]; then
        pm=$(head -n 1 "$DIR/pg$i/data/postmaster.pid")
        kill -QUIT "$pm" 2>/dev/null || true
      fi
    done
    [[ -f "$DIR/etcd.pid" ]] && kill -TERM "$(cat "$DIR/etcd.pid")" 2>/dev/null || true
    rm -f "$DIR/cluster.env"
    ;;
  leader)
    load_env
    leader
    ;;
  kill)
    load_env
    node=${3:-}
    [[ "$node" =~ ^pg[1-9]$ && -d "$DIR/$node" ]] || die "no node ${node:-?} in $DIR"
    kill -KILL "$(cat "$DIR/$node/patroni.pid")" 2>/dev/null || true
    if [[ -f "$DIR/$node/data/postmaster.pid" ]]; then
      # All at once, as when the machine goes: the postmaster first, so it
      # cannot tell its backends' clients anything on the way down.
      pm=$(head -n 1 "$DIR/$node/data/postmaster.pid")
      kids=$(pgrep -P "$pm" || true)
      kill -KILL "$pm" 2>/dev/null || true
      # shellcheck disable=SC2086
      [[ -z "$kids" ]] || kill -KILL $kids 2>/dev/null || true
    fi
    ;;
  freeze | thaw)
    load_env
    node=${3:-}
    [[ "$node" =~ ^pg[1-9]$ && -d "$DIR/$node" ]] || die "no node ${node:-?} in $DIR"
    sig=STOP
    [[ "$cmd" == thaw ]] && sig=CONT
    pids=$(cat "$DIR/$node/patroni.pid")
    if [[ -f "$DIR/$node/data/postmaster.pid" ]]; then
      pm=$(head -n 1 "$DIR/$node/data/postmaster.pid")
      pids+=" $pm $(pgrep -P "$pm" | tr '\n' ' ')"
    fi
    # shellcheck disable=SC2086
    kill -"$sig" $pids 2>/dev/null || true
    ;;
  start)
    load_env
    node=${3:-}
    [[ "$node" =~ ^pg[1-9]$ && -d "$DIR/$node" ]] || die "no node ${node:-?} in $DIR"
    start_node "${node#pg}"
    ;;
  wait)
    load_env
    wait_healthy "${3:-$NODES}" "${4:-90}"
    ;;
  *) usage ;;
esac
