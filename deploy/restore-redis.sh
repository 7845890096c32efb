#!/usr/bin/env bash
# Restore a backup made by deploy/backup-redis.sh into a STOPPED redis-server's data directory.
#
# usage: deploy/restore-redis.sh [--owner USER[:GROUP]] BACKUP_DIR DATA_DIR
#
#   BACKUP_DIR  a directory written by backup-redis.sh (holds dump.rdb or appendonlydir/)
#   DATA_DIR    the target server's `dir` (Debian: /var/lib/redis; `make run`: var/redis).
#               The server must be stopped: the script refuses while any process works in it.
#               Whatever DATA_DIR held is moved into DATA_DIR.before-restore-<UTC time>
#               (never deleted: remove it yourself once the restored server is checked).
#   --owner     chown the restored files (Debian's unit runs as redis:redis)
#
# An RDB backup is turned into an AOF here: a temporary redis-server (unix socket only, no TCP
# port) loads dump.rdb, switches appendonly on and waits for the AOF rewrite, then shuts down.
# So the real server, started with `appendonly yes` as the floor requires, finds a complete AOF
# and loads it (with AOF on, Redis ignores dump.rdb when it starts).
# An AOF backup's appendonlydir/ is copied in as it is; the server must use the same
# appendfilename (see the backup's MANIFEST) and appenddirname "appendonlydir".
# Then start the server (systemctl start redis-server) and check: redis-cli DBSIZE.
set -euo pipefail

owner=""
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --owner) owner="$2"; shift 2 ;;
    --help|-h) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "restore-redis: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
[ ${#args[@]} -eq 2 ] || { echo "restore-redis: BACKUP_DIR and DATA_DIR expected (see --help)" >&2; exit 2; }
backup="${args[0]}"
data="${args[1]}"
for tool in redis-server redis-cli redis-check-rdb redis-check-aof; do
  command -v "$tool" >/dev/null || { echo "restore-redis: $tool missing (apt-get install redis-server)" >&2; exit 1; }
done

if [ -f "$backup/dump.rdb" ]; then kind=rdb
elif [ -d "$backup/appendonlydir" ]; then kind=aof
else echo "restore-redis: $backup holds neither dump.rdb nor appendonlydir/" >&2; exit 1
fi

# Refuse while a server uses DATA_DIR: redis-server changes its working directory to its `dir`.
if [ -d "$data" ]; then
  real=$(readlink -f "$data")
  for cwd in /proc/[0-9]*/cwd; do
    if [ "$(readlink "$cwd" 2>/dev/null)" = "$real" ]; then
      pid=${cwd#/proc/}; pid=${pid%/cwd}
      echo "restore-redis: process $pid ($(cat "/proc/$pid/comm" 2>/dev/null)) works in $data: stop the server first" >&2
      exit 1
    fi
  done
fi

# Check the backup before touching anything.
if [ "$kind" = rdb ]; then
  redis-check-rdb "$backup/dump.rdb" >/dev/null || { echo "restore-redis: redis-check-rdb rejects the backup" >&2; exit 1; }
else
  redis-check-aof "$(ls "$backup/appendonlydir/"*.manifest)" >/dev/null \
    || { echo "restore-redis: redis-check-aof rejects the backup" >&2; exit 1; }
fi

if [ -d "$data" ] && [ -n "$(ls -A "$data")" ]; then
  aside="$data.before-restore-$(date -u +%Y%m%dT%H%M%SZ)"
  mkdir -p "$aside"   # move the contents, not the directory: it keeps its owner, mode, mount
  find "$data" -mindepth 1 -maxdepth 1 -exec mv -t "$aside" {} +
  echo "restore-redis: the old contents of $data are in $aside" >&2
fi
mkdir -p "$data"

if [ "$kind" = aof ]; then
  cp -a "$backup/appendonlydir" "$data/appendonlydir"
else
  cp "$backup/dump.rdb" "$data/dump.rdb"
  sockdir=$(mktemp -d)
  sock="$sockdir/redis.sock"
  redis-server --port 0 --unixsocket "$sock" --unixsocketperm 700 --dir "$(readlink -f "$data")" \
    --dbfilename dump.rdb --appendonly no --save "" --logfile "$sockdir/redis.log" --daemonize no &
  server=$!
  trap 'kill "$server" 2>/dev/null || true; rm -rf "$sockdir"' EXIT
  cli() { redis-cli -s "$sock" "$@" | tr -d '\r'; }
  info_field() { cli INFO persistence | sed -n "s/^$1://p"; }
  for _ in $(seq 600); do   # loading a big RDB takes a while: up to 60 s
    [ "$(cli PING 2>/dev/null)" = PONG ] && break
    kill -0 "$server" 2>/dev/null || { cat "$sockdir/redis.log" >&2; echo "restore-redis: redis-server would not load the backup" >&2; exit 1; }
    sleep 0.1
  done
  [ "$(cli PING 2>/dev/null)" = PONG ] || { echo "restore-redis: redis-server did not come up" >&2; exit 1; }
  keys=$(cli DBSIZE)
  cli CONFIG SET appendonly yes >/dev/null
  for _ in $(seq 6000); do  # the rewrite writes the whole data set: up to 10 minutes
    [ "$(info_field aof_enabled)" = 1 ] && [ "$(info_field aof_rewrite_in_progress)" = 0 ] \
      && [ "$(info_field aof_rewrite_scheduled)" = 0 ] && break
    sleep 0.1
  done
  [ "$(info_field aof_enabled)" = 1 ] && [ "$(info_field aof_last_bgrewrite_status)" = ok ] \
    || { echo "restore-redis: the AOF rewrite did not finish" >&2; exit 1; }
  cli SHUTDOWN NOSAVE >/dev/null 2>&1 || true
  wait "$server" || true
  trap - EXIT
  rm -rf "$sockdir"
  redis-check-aof "$(ls "$data/appendonlydir/"*.manifest)" >/dev/null \
    || { echo "restore-redis: the rebuilt AOF does not check" >&2; exit 1; }
  echo "restore-redis: $keys keys loaded and written to $data/appendonlydir" >&2
fi

[ -z "$owner" ] || chown -R "$owner" "$data"
echo "restore-redis: ok, $data is ready: start the server with appendonly yes" >&2
