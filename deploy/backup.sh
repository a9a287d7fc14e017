#!/usr/bin/env bash
# deploy/backup.sh - base backups, WAL archiving and point-in-time restore of
# a Candour PostgreSQL cluster (a deploy/pg.sh cluster, or any PGDATA).
#
#   deploy/backup.sh archive-on DIR WALDIR
#       Turn on WAL archiving for the cluster in DIR (a deploy/pg.sh DIR, or a
#       PGDATA): each finished WAL file is copied into WALDIR, fsynced, then
#       renamed into place; a file already there is left alone - the same
#       bytes count as archived, different bytes make the copy fail (the
#       server keeps the file and retries, and says so in its log). Written to
#       PGDATA/archive.conf (included from postgresql.conf). Takes effect at
#       the next restart of the cluster (archive_mode needs one).
#   deploy/backup.sh base DIR_OR_URL BACKUPDIR
#       pg_basebackup into BACKUPDIR (new or empty): plain format, the WAL it
#       needs streamed in (-X stream), a fast checkpoint, a SHA-256 manifest;
#       then pg_verifybackup checks it. DIR_OR_URL: a deploy/pg.sh DIR
#       (its port is read from DIR/data/candour.conf) or a connection URL of
#       a role allowed to replicate.
#   deploy/backup.sh restore BACKUPDIR WALDIR NEWDIR TARGET_TIME
#       Copy the base backup into NEWDIR/data (NEWDIR new or empty), write
#       recovery.signal and, in postgresql.auto.conf, restore_command (from
#       WALDIR), recovery_target_time = TARGET_TIME (a timestamp with its
#       time zone, '2026-12-05 12:00:00+00'; or `latest` for all of the
#       archive) and recovery_target_action = promote. Archiving is off in
#       the restored cluster, so a trial restore never writes into the live
#       archive: run archive-on on it once it is the primary. Then start it:
#       deploy/pg.sh start NEWDIR PORT (or pg_ctl -D NEWDIR/data start). It
#       replays the archive up to TARGET_TIME, then promotes itself; until
#       then SELECT pg_is_in_recovery() is true.
#   deploy/backup.sh prune BASEDIR [WALDIR] [--keep N] [--dry-run]
#       Keep the newest N base backups in BASEDIR (its subdirectories made by
#       `base`; N from --keep, else CANDOUR_BACKUP_KEEP, else 7), newest by
#       where each started in the WAL (its backup_label); remove the older
#       ones, then from WALDIR every archived WAL file older than the oldest
#       kept backup's start (pg_archivecleanup, given that backup's *.backup
#       file in the archive, else its first WAL file) and the *.backup files
#       of the backups removed. Timeline history files stay. A directory in
#       BASEDIR that is not a whole base backup (no backup_label or
#       backup_manifest) is left alone and named. Prints each thing removed;
#       --dry-run prints them without removing anything. With no base backup
#       in BASEDIR nothing is removed (the archive is all there is).
#
# As root, clusters run as the OS user deploy/pg.sh picks (`postgres` if it
# exists, else `candour-pg`): WALDIR and NEWDIR are chowned to it. Not as
# root: everything runs as the calling user.
set -euo pipefail

die() {
  echo "backup.sh: $*" >&2
  exit 1
}
usage() {
  cat >&2 <<EOF
usage: $0 archive-on DIR WALDIR
       $0 base DIR_OR_URL BACKUPDIR
       $0 restore BACKUPDIR WALDIR NEWDIR TARGET_TIME
       $0 prune BASEDIR [WALDIR] [--keep N] [--dry-run]
       $0 --help
EOF
  exit 2
}

# shellcheck source=deploy/pg-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/pg-lib.sh"
help() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
  exit 0
}

# PGDATA of a deploy/pg.sh DIR or of a PGDATA itself.
pgdata_of() {
  if [[ -f "$1/data/PG_VERSION" ]]; then
    echo "$1/data"
  elif [[ -f "$1/PG_VERSION" ]]; then
    echo "$1"
  else
    die "$1 holds no cluster (no PG_VERSION in it or in $1/data)"
  fi
}

# An absolute path that can go inside a quoted setting and a shell word.
plain_abs_path() {
  [[ "$1" == /* ]] || die "$2 must be an absolute path: $1"
  [[ "$1" =~ ^[A-Za-z0-9_./+-]+$ ]] || die "$2 may hold only letters, digits and _ . / + -: $1"
}

# An empty directory at $1 (made if missing), for $2.
empty_dir() {
  mkdir -p "$1"
  [[ -z "$(ls -A "$1")" ]] || die "$2 $1 is not empty"
}

cmd_archive_on() {
  local data user walabs
  data=$(pgdata_of "$1")
  data=$(cd "$data" && pwd -P)
  mkdir -p "$2"
  walabs=$(cd "$2" && pwd -P)
  plain_abs_path "$walabs" WALDIR
  user=$(stat -c %U "$data")
  if [[ $(id -u) -eq 0 ]]; then
    chown "$user:" "$walabs"
    chmod 0700 "$walabs"
    runuser -u "$user" -- test -w "$walabs" ||
      die "$user (who runs the cluster) cannot write $walabs: grant it search on the parents"
  fi
  # %p is relative to PGDATA, where the server runs the command (/bin/sh).
  local f="$walabs/%f"
  local archive="if [ -f \"$f\" ]; then cmp -s \"%p\" \"$f\"; else cp \"%p\" \"$f.tmp\""
  archive="$archive && sync \"$f.tmp\" && mv \"$f.tmp\" \"$f\" && sync \"$walabs\"; fi"
  local conf="$data/archive.conf"
  {
    echo "# written by deploy/backup.sh archive-on: WAL archive in $walabs"
    echo "archive_mode = on"
    echo "archive_command = '${archive//\'/\'\'}'"
    echo "archive_timeout = 300"
  } >"$conf.new"
  [[ $(id -u) -ne 0 ]] || chown "$user:" "$conf.new"
  chmod 0600 "$conf.new"
  mv "$conf.new" "$conf"
  if ! grep -qx "include_if_exists = 'archive.conf'" "$data/postgresql.conf"; then
    echo "include_if_exists = 'archive.conf'" >>"$data/postgresql.conf"
  fi
  echo "backup.sh: archiving into $walabs is set in $conf; restart the cluster for it to take effect"
}

cmd_base() {
  local src=$1 dest=$2 url port
  if [[ -d "$src" ]]; then
    local data
    data=$(pgdata_of "$src")
    port=$(sed -n 's/^port = \([0-9]*\)$/\1/p' "$data/candour.conf" 2>/dev/null | tail -n 1)
    [[ -n "$port" ]] || die "no port in $data/candour.conf: give a connection URL instead"
    url="postgresql://candour@127.0.0.1:$port/postgres"
  else
    url=$src
  fi
  empty_dir "$dest" BACKUPDIR
  local bin start ms
  bin=$(pg_find_bindir pg_basebackup pg_verifybackup)
  start=$(date +%s%3N)
  "$bin/pg_basebackup" -d "$url" -D "$dest" -F p -X stream -c fast \
    --manifest-checksums=SHA256 --no-password -l "candour base $(date -u +%FT%TZ)" ||
    die "pg_basebackup failed; $dest may hold a partial backup: empty it before trying again"
  "$bin/pg_verifybackup" -q "$dest" || die "pg_verifybackup found $dest damaged"
  ms=$(($(date +%s%3N) - start))
  echo "backup.sh: base backup in $dest verified ($((ms / 1000)).$(printf %03d $((ms % 1000))) s," \
    "$(du -sh "$dest" | cut -f1))"
}

cmd_restore() {
  local backup=$1 wal=$2 newdir=$3 target=$4
  [[ -f "$backup/backup_manifest" && -f "$backup/PG_VERSION" ]] ||
    die "$backup is not a base backup made by: $0 base"
  [[ -d "$wal" ]] || die "no WAL archive at $wal"
  wal=$(cd "$wal" && pwd -P)
  plain_abs_path "$wal" WALDIR
  if [[ "$target" != latest ]]; then
    [[ "$target" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}[\ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?\ ?([+-][0-9]{2}(:?[0-9]{2})?|Z|UTC)$ ]] ||
      die "TARGET_TIME must be a timestamp with its time zone, '2026-12-05 12:00:00+00', or latest: $target"
  fi
  empty_dir "$newdir" NEWDIR
  newdir=$(cd "$newdir" && pwd -P)
  local data="$newdir/data" user
  user=$(pg_cluster_user)
  cp -a "$backup/." "$data"
  rm -f "$data/backup_manifest"
  touch "$data/recovery.signal"
  {
    echo "# written by deploy/backup.sh restore: point-in-time recovery from $wal"
    echo "restore_command = 'cp \"$wal/%f\" \"%p\"'"
    if [[ "$target" != latest ]]; then
      echo "recovery_target_time = '$target'"
      echo "recovery_target_action = 'promote'"
    fi
    echo "archive_mode = 'off'"
  } >>"$data/postgresql.auto.conf"
  if [[ $(id -u) -eq 0 ]]; then
    chown -R "$user:" "$newdir"
    runuser -u "$user" -- test -r "$wal" -a -x "$wal" || die "$user cannot read the WAL archive $wal"
  fi
  chmod 0700 "$newdir" "$data"
  echo "backup.sh: restored into $data, to $target; start it: deploy/pg.sh start $newdir PORT" \
    "(it promotes itself when recovery is done: SELECT pg_is_in_recovery())"
}

# The base backups in $1, newest first, one a line: "KEY DIR WALFILE", KEY
# the start LSN as 16 hex digits (sorts as it grows, across timelines too),
# WALFILE the first WAL file it needs. Directories that are not whole base
# backups are told on stderr and left out.
list_base_backups() {
  local d line hi lo file
  for d in "$1"/*/; do
    [[ -d "$d" ]] || continue
    d=${d%/}
    if [[ ! -f "$d/backup_label" || ! -f "$d/backup_manifest" ]]; then
      echo "backup.sh prune: $d is not a whole base backup (no backup_label or backup_manifest): left alone" >&2
      continue
    fi
    line=$(grep -m1 '^START WAL LOCATION: ' "$d/backup_label" || true)
    if [[ ! "$line" =~ ^START\ WAL\ LOCATION:\ ([0-9A-Fa-f]+)/([0-9A-Fa-f]+)\ \(file\ ([0-9A-F]{24})\)$ ]]; then
      echo "backup.sh prune: $d/backup_label has no START WAL LOCATION: left alone" >&2
      continue
    fi
    hi=${BASH_REMATCH[1]} lo=${BASH_REMATCH[2]} file=${BASH_REMATCH[3]}
    printf '%08X%08X %s %s\n' "0x$hi" "0x$lo" "$d" "$file"
  done | sort -r
}

# The name pg_archivecleanup is given for the backup in $1 (first WAL file
# $2) in the archive $3: its *.backup file there (the one whose LABEL is the
# backup's), else the WAL file itself.
cleanup_point() {
  local label f
  label=$(grep -m1 '^LABEL: ' "$1/backup_label" || true)
  for f in "$3/$2".*.backup; do
    [[ -f "$f" ]] || continue
    if [[ -z "$label" ]] || grep -qxF "$label" "$f"; then
      basename "$f"
      return
    fi
  done
  echo "$2"
}

cmd_prune() {
  local base=$1 wal=$2 keep=$3 dry=$4 verb=removed
  [[ "$keep" =~ ^[1-9][0-9]*$ ]] || die "--keep (or CANDOUR_BACKUP_KEEP) must be a whole number, 1 or more: $keep"
  [[ -d "$base" ]] || die "no base backups directory at $base"
  [[ -z "$wal" || -d "$wal" ]] || die "no WAL archive at $wal"
  ((dry)) && verb="would remove"
  local -a rows
  mapfile -t rows < <(list_base_backups "$base")
  if ((${#rows[@]} == 0)); then
    echo "backup.sh prune: no base backup in $base: nothing removed (the WAL archive is all there is)"
    return 0
  fi
  local i dir file n=0
  for ((i = keep; i < ${#rows[@]}; i++)); do
    read -r _ dir file <<<"${rows[i]}"
    ((dry)) || rm -rf -- "$dir"
    echo "backup.sh prune: $verb base backup $dir (WAL from $file)"
    n=$((n + 1))
  done
  local last=$((${#rows[@]} < keep ? ${#rows[@]} - 1 : keep - 1))
  read -r _ dir file <<<"${rows[last]}"
  echo "backup.sh prune: kept $((last + 1)) base backup(s); the oldest kept is $dir (WAL from $file)"
  [[ -n "$wal" ]] || {
    echo "backup.sh prune: $verb $n base backup(s); no WALDIR given, the WAL archive is untouched"
    return 0
  }
  local point bin w nw=0
  point=$(cleanup_point "$dir" "$file" "$wal")
  bin=$(pg_find_bindir pg_archivecleanup)
  # The WAL files before the point (pg_archivecleanup compares without the
  # timeline, as recovery needs them), listed first, then removed.
  local -a gone
  mapfile -t gone < <("$bin/pg_archivecleanup" -n "$wal" "$point" | sort)
  ((dry)) || "$bin/pg_archivecleanup" "$wal" "$point" || die "pg_archivecleanup $wal $point failed"
  for w in "${gone[@]}"; do
    echo "backup.sh prune: $verb WAL $(basename "$w")"
    nw=$((nw + 1))
  done
  # The removed backups' *.backup files: before the point, likewise.
  for w in "$wal"/*.backup; do
    [[ -f "$w" ]] || continue
    w=$(basename "$w")
    [[ "${w:8:16}" < "${file:8:16}" ]] || continue
    ((dry)) || rm -f -- "${wal:?}/$w"
    echo "backup.sh prune: $verb $w"
    nw=$((nw + 1))
  done
  echo "backup.sh prune: $verb $n base backup(s) and $nw file(s) from $wal (kept from $point on)"
}

case "${1:-}" in
  -h | --help) help ;;
  prune)
    shift
    p_keep=${CANDOUR_BACKUP_KEEP:-7} p_dry=0
    p_args=()
    while (($#)); do
      case "$1" in
        --keep)
          (($# >= 2)) || usage
          p_keep=$2
          shift 2
          ;;
        --keep=*)
          p_keep=${1#--keep=}
          shift
          ;;
        --dry-run)
          p_dry=1
          shift
          ;;
        -*) usage ;;
        *)
          p_args+=("$1")
          shift
          ;;
      esac
    done
    ((${#p_args[@]} >= 1 && ${#p_args[@]} <= 2)) || usage
    cmd_prune "${p_args[0]}" "${p_args[1]:-}" "$p_keep" "$p_dry"
    ;;
  archive-on)
    (($# == 3)) || usage
    cmd_archive_on "$2" "$3"
    ;;
  base)
    (($# == 3)) || usage
    cmd_base "$2" "$3"
    ;;
  restore)
    (($# == 5)) || usage
    cmd_restore "$2" "$3" "$4" "$5"
    ;;
  *) usage ;;
esac
