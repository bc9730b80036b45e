#!/usr/bin/env bash
# Backups of the portal: PostgreSQL continuous archiving (a base backup plus the archived
# WAL) and the media files, with a manifest and checksums. See docs/operations.md,
# "备份与恢复 / Backup and restore"; tools/restore.sh puts a backup back.
#
#   tools/backup.sh configure --wal-archive DIR
#       Turn on WAL archiving into DIR (ALTER SYSTEM; restart PostgreSQL afterwards).
#       DIR must be writable by the postgres user; put it on other storage than PGDATA.
#   tools/backup.sh base --out DIR [--media-root DIR] [--private-root DIR]
#       Take a base backup (pg_basebackup, tar + gzip, WAL streamed in) and a tarball of
#       the public and private media into DIR/<UTC timestamp>/, with MANIFEST and SHA256SUMS.
#       Prints the backup's directory on the last line.
#
# The database comes from DATABASE_URL (postgres://user@host:port/db; the user needs the
# REPLICATION privilege); media roots from --media-root/--private-root or MEDIA_ROOT and
# PRIVATE_MEDIA_ROOT.
set -euo pipefail

fail() { echo "backup: $*" >&2; exit 1; }

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[[ -n "$PG_BIN" ]] || fail "PostgreSQL client binaries not found"

psql_url() { "$PG_BIN/psql" "$DATABASE_URL" -v ON_ERROR_STOP=1 -tAc "$1"; }

configure() {
  local archive=""
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --wal-archive) archive=$2; shift 2 ;;
      *) fail "unknown option $1" ;;
    esac
  done
  [[ -n "$archive" ]] || fail "configure needs --wal-archive DIR"
  [[ -n "${DATABASE_URL:-}" ]] || fail "DATABASE_URL is not set"
  [[ "$archive" = /* ]] || fail "--wal-archive must be an absolute path"
  # Copy to a temporary name, flush it, then rename: a crash never leaves a half segment
  # under its real name, and an existing segment is never overwritten.
  local command="test ! -f '$archive/%f' && cp '%p' '$archive/%f.part' && sync '$archive/%f.part' && mv '$archive/%f.part' '$archive/%f'"
  psql_url "ALTER SYSTEM SET wal_level = 'replica'" >/dev/null
  psql_url "ALTER SYSTEM SET archive_mode = 'on'" >/dev/null
  psql_url "ALTER SYSTEM SET archive_command = \$\$${command}\$\$" >/dev/null
  # At most this many seconds of commits live only in the current, unarchived segment.
  psql_url "ALTER SYSTEM SET archive_timeout = '60'" >/dev/null
  echo "WAL archiving configured into $archive; restart PostgreSQL to apply archive_mode."
}

base() {
  local out="" media="${MEDIA_ROOT:-}" private="${PRIVATE_MEDIA_ROOT:-}"
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --out) out=$2; shift 2 ;;
      --media-root) media=$2; shift 2 ;;
      --private-root) private=$2; shift 2 ;;
      *) fail "unknown option $1" ;;
    esac
  done
  [[ -n "$out" ]] || fail "base needs --out DIR"
  [[ -n "${DATABASE_URL:-}" ]] || fail "DATABASE_URL is not set"
  local stamp dir
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  dir="$out/$stamp"
  mkdir -p "$dir"
  chmod 700 "$dir"

  # 1. The database: a consistent base backup, its WAL streamed alongside (-X stream) so
  #    the backup restores on its own; the WAL archive then carries it forward in time.
  local log="$dir/pg_basebackup.log"
  "$PG_BIN/pg_basebackup" -d "$DATABASE_URL" -D "$dir/db" -Ft -z -X stream -c fast \
    --label "portal-$stamp" -v 2>"$log" || { cat "$log" >&2; fail "pg_basebackup failed"; }
  local start_lsn end_lsn
  start_lsn=$(sed -nE 's/.*write-ahead log start point: ([0-9A-F/]+).*/\1/p' "$log" | head -n 1)
  end_lsn=$(sed -nE 's/.*write-ahead log end point: ([0-9A-F/]+).*/\1/p' "$log" | head -n 1)
  # Close the current segment so the archive holds everything up to the backup's end.
  psql_url "SELECT pg_switch_wal()" >/dev/null || true

  # 2. The media: public copies and the private originals, each with per-file checksums.
  local name root files=0
  for name in media private; do
    root=$media; [[ $name == private ]] && root=$private
    if [[ -n "$root" && -d "$root" ]]; then
      (cd "$root" && find . -type f ! -name '*.part' -print0 | sort -z | xargs -0r sha256sum) \
        >"$dir/$name.sha256"
      tar -C "$root" -czf "$dir/$name.tar.gz" .
      files=$((files + $(wc -l <"$dir/$name.sha256")))
    fi
  done

  # 3. The manifest, then checksums of every file of the backup.
  {
    echo "created_at=$stamp"
    echo "host=$(hostname)"
    echo "server_version=$(psql_url 'SHOW server_version')"
    echo "database=$(sed -E 's#://[^@]*@#://#' <<<"$DATABASE_URL")"
    echo "wal_start_lsn=$start_lsn"
    echo "wal_end_lsn=$end_lsn"
    echo "archive_command=$(psql_url 'SHOW archive_command')"
    echo "media_root=$media"
    echo "private_media_root=$private"
    echo "media_files=$files"
    echo "format=pg_basebackup-tar-gz/1"
  } >"$dir/MANIFEST"
  (cd "$dir" && find . -type f ! -name SHA256SUMS -printf '%P\n' | sort | xargs sha256sum) \
    >"$dir/SHA256SUMS"
  echo "backup written: $(du -sh "$dir" | cut -f1), $files media files, WAL $start_lsn..$end_lsn"
  echo "$dir"
}

case "${1:-}" in
  configure) shift; configure "$@" ;;
  base) shift; base "$@" ;;
  *) fail "usage: $0 configure --wal-archive DIR | base --out DIR [--media-root DIR] [--private-root DIR]" ;;
esac
