# shellcheck shell=bash
# deploy/pg-lib.sh - what deploy/pg.sh and deploy/backup.sh share about
# PostgreSQL on this machine (sourced, not run; the caller defines die).

# The newest /usr/lib/postgresql/N/bin holding every tool named (else the
# folder of the first one on PATH).
pg_find_bindir() {
  local d t best="" bestv=-1 v ok
  for d in /usr/lib/postgresql/*/bin; do
    ok=1
    for t in "$@"; do [[ -x "$d/$t" ]] || ok=0; done
    ((ok)) || continue
    v=${d#/usr/lib/postgresql/}
    v=${v%%/*}
    [[ "$v" =~ ^[0-9]+$ ]] || continue
    if ((v > bestv)); then
      bestv=$v
      best=$d
    fi
  done
  if [[ -z "$best" ]] && command -v "$1" >/dev/null 2>&1; then
    best=$(dirname "$(command -v "$1")")
  fi
  [[ -n "$best" ]] || die "no $1 under /usr/lib/postgresql/*/bin: run deploy/install-deps.sh (package postgresql)"
  echo "$best"
}

# The OS user a cluster runs as: the caller when not root; as root,
# `postgres` if it exists, else `candour-pg` (made once).
pg_cluster_user() {
  if [[ $(id -u) -ne 0 ]]; then
    id -un
  elif getent passwd postgres >/dev/null; then
    echo postgres
  else
    if ! getent passwd candour-pg >/dev/null; then
      useradd --system --user-group --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin candour-pg
    fi
    echo candour-pg
  fi
}
