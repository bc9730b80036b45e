#!/usr/bin/env bash
# Put a backup of tools/backup.sh back: the base backup into an empty PGDATA, set up to
# replay the archived WAL up to the latest commit or to a point in time, and the media
# files, checked against their checksums. See docs/operations.md, "备份与恢复".
#
#   tools/restore.sh --from BACKUP_DIR --pgdata DIR --wal-archive DIR
#                    [--target-time 'YYYY-MM-DD HH:MM:SS+08'] [--target-name NAME]
#                    [--media-root DIR] [--private-root DIR] [--force-media] [--no-media]
#
# PGDATA must not exist or be empty (stop the server; move a damaged cluster aside first).
# Media roots must be empty unless --force-media (then the current files are moved to
# <root>.before-restore-<time>); --no-media restores the database only. Start PostgreSQL afterwards: it replays the WAL, then
# promotes itself (a new timeline) and accepts writes; `SELECT pg_is_in_recovery()` turns
# false when it is done.
set -euo pipefail

fail() { echo "restore: $*" >&2; exit 1; }

from="" pgdata="" archive="" target_time="" target_name=""
media="${MEDIA_ROOT:-}" private="${PRIVATE_MEDIA_ROOT:-}" force_media=0 no_media=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --from) from=$2; shift 2 ;;
    --pgdata) pgdata=$2; shift 2 ;;
    --wal-archive) archive=$2; shift 2 ;;
    --target-time) target_time=$2; shift 2 ;;
    --target-name) target_name=$2; shift 2 ;;
    --media-root) media=$2; shift 2 ;;
    --private-root) private=$2; shift 2 ;;
    --force-media) force_media=1; shift ;;
    --no-media) no_media=1; shift ;;
    *) fail "unknown option $1" ;;
  esac
done
[[ -n "$from" && -n "$pgdata" && -n "$archive" ]] || fail "needs --from, --pgdata and --wal-archive"
[[ -f "$from/MANIFEST" && -f "$from/SHA256SUMS" ]] || fail "$from is not a backup (no MANIFEST/SHA256SUMS)"
[[ -d "$archive" ]] || fail "WAL archive $archive not found"
from=$(cd "$from" && pwd)

# 1. Nothing is restored from a backup that does not match its checksums.
(cd "$from" && sha256sum --quiet -c SHA256SUMS) || fail "checksums of $from do not match"
echo "backup $from: checksums OK ($(wc -l <"$from/SHA256SUMS") files)"

# 2. The database.
if [[ -d "$pgdata" && -n "$(ls -A "$pgdata" 2>/dev/null)" ]]; then
  fail "$pgdata is not empty: stop PostgreSQL and move the old cluster aside first"
fi
mkdir -p "$pgdata"
tar -C "$pgdata" -xzf "$from/db/base.tar.gz"
mkdir -p "$pgdata/pg_wal"
[[ -f "$from/db/pg_wal.tar.gz" ]] && tar -C "$pgdata/pg_wal" -xzf "$from/db/pg_wal.tar.gz"
rm -f "$pgdata/postmaster.pid" "$pgdata/postmaster.opts"
{
  echo ""
  echo "# tools/restore.sh $(date -u +%FT%TZ): replay the WAL archive, then promote."
  echo "restore_command = 'cp \"$archive/%f\" \"%p\"'"
  [[ -n "$target_time" ]] && echo "recovery_target_time = '$target_time'"
  [[ -n "$target_name" ]] && echo "recovery_target_name = '$target_name'"
  echo "recovery_target_action = 'promote'"
} >>"$pgdata/postgresql.auto.conf"
touch "$pgdata/recovery.signal"
if [[ $(id -u) -eq 0 ]]; then
  chown -R postgres:postgres "$pgdata"
fi
chmod 700 "$pgdata"
echo "database: base backup unpacked into $pgdata; recovery to ${target_time:-${target_name:-the latest archived WAL}}"

# 3. The media, each file checked against the backup's list.
restore_media() {
  local name=$1 root=$2
  [[ -f "$from/$name.tar.gz" ]] || return 0
  [[ -n "$root" ]] || fail "the backup holds $name files: give its --media-root / --private-root"
  if [[ -d "$root" && -n "$(ls -A "$root" 2>/dev/null)" ]]; then
    (( force_media )) || fail "$root is not empty (use --force-media to move it aside)"
    mv "$root" "$root.before-restore-$(date -u +%Y%m%dT%H%M%SZ)"
  fi
  mkdir -p "$root"
  tar -C "$root" -xzf "$from/$name.tar.gz"
  local total
  total=$(wc -l <"$from/$name.sha256")
  if [[ -s "$from/$name.sha256" ]]; then
    (cd "$root" && sha256sum --quiet -c "$from/$name.sha256") \
      || fail "$name files in $root do not match their checksums"
  fi
  echo "$name: $total files restored into $root, checksums OK"
}
if (( ! no_media )); then
  restore_media media "$media"
  restore_media private "$private"
fi
echo "done: start PostgreSQL; it replays the WAL and promotes when recovery ends."
