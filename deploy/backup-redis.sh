#!/usr/bin/env bash
# Back up the floor's Redis (one server, or one Redis Cluster master at a time).
#
# usage: deploy/backup-redis.sh [--host HOST] [--port PORT] [--method rdb|aof] DEST_DIR
#
#   --host, --port  the Redis to back up (default 127.0.0.1 6379; `make run`'s own is on 6390)
#   --method rdb    (default) a point-in-time snapshot streamed over the network with
#                   `redis-cli --rdb` (the replication protocol: no file access to the server
#                   needed, the server keeps serving; it starts after the server's
#                   repl-diskless-sync-delay, 5 s by default, and needs the SYNC command allowed)
#   --method aof    a copy of the server's AOF directory (the server must be on THIS machine and
#                   allow CONFIG): automatic AOF rewrites are paused during the copy, as the Redis
#                   persistence docs prescribe for Redis >= 7, then put back as they were
#   DEST_DIR        a new directory DEST_DIR/redis-<port>-<UTC time>-<method>/ is made, holding
#                   dump.rdb or appendonlydir/, and MANIFEST (method, time, redis_version, keys)
#
# The password, if any, comes from the REDISCLI_AUTH environment variable (never argv, never logs).
# The backup is checked with redis-check-rdb / redis-check-aof before the script says "ok".
# Last line on stdout: the backup directory. Exit status non-zero on any failure.
# Restore with deploy/restore-redis.sh.
set -euo pipefail

host=127.0.0.1
port=6379
method=rdb
dest=""
while [ $# -gt 0 ]; do
  case "$1" in
    --host) host="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --method) method="$2"; shift 2 ;;
    --help|-h) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "backup-redis: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) [ -z "$dest" ] || { echo "backup-redis: one DEST_DIR only" >&2; exit 2; }; dest="$1"; shift ;;
  esac
done
[ -n "$dest" ] || { echo "backup-redis: DEST_DIR is missing (see --help)" >&2; exit 2; }
case "$method" in rdb|aof) ;; *) echo "backup-redis: --method is rdb or aof, not $method" >&2; exit 2 ;; esac
for tool in redis-cli redis-check-rdb redis-check-aof; do
  command -v "$tool" >/dev/null || { echo "backup-redis: $tool missing (apt-get install redis-tools)" >&2; exit 1; }
done

cli() { redis-cli --no-auth-warning -h "$host" -p "$port" "$@"; }
info_field() { cli INFO "$1" | tr -d '\r' | sed -n "s/^$2://p"; }

version=$(info_field server redis_version 2>/dev/null || true)
[ -n "$version" ] || { echo "backup-redis: no Redis answers on $host:$port" >&2; exit 1; }
keys=$(cli DBSIZE | tr -d '\r')   # database 0, the floor's
stamp=$(date -u +%Y%m%dT%H%M%SZ)
target="$dest/redis-$port-$stamp-$method"
mkdir -p "$target"
chmod 700 "$target"   # the data holds password hashes and customer orders

if [ "$method" = rdb ]; then
  cli --rdb "$target/dump.rdb" >&2
  redis-check-rdb "$target/dump.rdb" >/dev/null \
    || { echo "backup-redis: redis-check-rdb rejects $target/dump.rdb" >&2; exit 1; }
else
  dir=$(cli CONFIG GET dir | sed -n 2p | tr -d '\r')
  appenddir=$(cli CONFIG GET appenddirname | sed -n 2p | tr -d '\r')
  [ "$(info_field persistence aof_enabled)" = 1 ] || { echo "backup-redis: AOF is off on $host:$port" >&2; exit 1; }
  [ -d "$dir/$appenddir" ] || { echo "backup-redis: $dir/$appenddir not found on this machine" >&2; exit 1; }
  percentage=$(cli CONFIG GET auto-aof-rewrite-percentage | sed -n 2p | tr -d '\r')
  trap 'cli CONFIG SET auto-aof-rewrite-percentage "$percentage" >/dev/null' EXIT
  cli CONFIG SET auto-aof-rewrite-percentage 0 >/dev/null
  for _ in $(seq 600); do   # wait for a rewrite already running (at most 10 minutes)
    [ "$(info_field persistence aof_rewrite_in_progress)" = 0 ] \
      && [ "$(info_field persistence aof_rewrite_scheduled)" = 0 ] && break
    sleep 1
  done
  [ "$(info_field persistence aof_rewrite_in_progress)" = 0 ] || { echo "backup-redis: AOF rewrite never ended" >&2; exit 1; }
  appendfilename=$(cli CONFIG GET appendfilename | sed -n 2p | tr -d '\r')
  cp -a "$dir/$appenddir" "$target/appendonlydir"
  manifest=$(ls "$target/appendonlydir/"*.manifest)
  redis-check-aof "$manifest" >/dev/null \
    || { echo "backup-redis: redis-check-aof rejects $manifest" >&2; exit 1; }
fi

cat >"$target/MANIFEST" <<EOF
method=$method
taken_utc=$stamp
source=$host:$port
redis_version=$version
keys=$keys
${appendfilename:+appendfilename=$appendfilename}
EOF
echo "backup-redis: ok, $keys keys from $host:$port (Redis $version, $method)" >&2
echo "$target"
