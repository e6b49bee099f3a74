#!/usr/bin/env bash
# A throw-away PostgreSQL server for the test suite, on loopback only.
#   scripts/postgresql.sh start   install PostgreSQL if missing, create and start the cluster
#   scripts/postgresql.sh stop    stop it
# The cluster lives in REJETS_PG_DIR (default /tmp/rejets-pg-PORT), port REJETS_PG_PORT (55432).
set -euo pipefail
cd "$(dirname "$0")/.."
port="${REJETS_PG_PORT:-55432}"
dir="${REJETS_PG_DIR:-/tmp/rejets-pg-$port}"
data="$dir/data"

find_bin() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
  done
  command -v pg_ctl >/dev/null 2>&1 && { dirname "$(command -v pg_ctl)"; return 0; }
  return 1
}

install_postgresql() {
  echo "PostgreSQL absent : installation du paquet Debian postgresql…"
  if [ "$(id -u)" -ne 0 ]; then
    echo "Installer PostgreSQL demande les droits root (apt-get install postgresql)." >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends postgresql >/dev/null
}

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  bin=$(find_bin) || { install_postgresql; bin=$(find_bin); }
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$dir" postgres
    chown postgres "$dir"
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    as_owner "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    echo "PostgreSQL déjà démarré (127.0.0.1:$port)."
    return 0
  fi
  as_owner "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$dir' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=512MB -c max_wal_size=4GB" >/dev/null
  echo "PostgreSQL démarré sur 127.0.0.1:$port."
}

stop() {
  bin=$(find_bin) || return 0
  [ -f "$data/PG_VERSION" ] || return 0
  as_owner "$bin/pg_ctl" -D "$data" -m fast stop >/dev/null 2>&1 || true
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
