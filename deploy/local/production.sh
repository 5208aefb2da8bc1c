#!/usr/bin/env bash
# Production mode on one machine: a private MariaDB and Redis, two silo processes and one API
# process, configured only through environment variables, exactly as an operator would.
#   deploy/local/production.sh start    build, start everything, wait until /health/ready is green
#   deploy/local/production.sh stop     stop API and silos first, then Redis and MariaDB
# State lives in .local/production (kept between runs; delete it for a fresh database), or in
# PARTNER_STATE_DIR. Ports: PARTNER_DB_PORT, PARTNER_REDIS_PORT, PARTNER_API_PORT,
# PARTNER_SILO{1,2}_PORT, PARTNER_GATEWAY{1,2}_PORT. PARTNER_SKIP_BUILD=1 uses the built binaries.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PATH:/usr/sbin:/sbin"   # mariadbd lives in sbin, which not every user's PATH has
repo="$PWD"
root=$(mkdir -p "${PARTNER_STATE_DIR:-$repo/.local/production}" && cd "${PARTNER_STATE_DIR:-$repo/.local/production}" && pwd)
db_port=${PARTNER_DB_PORT:-33306}
redis_port=${PARTNER_REDIS_PORT:-6380}
api_port=${PARTNER_API_PORT:-5080}
mkdir -p "$root/logs" "$root/pids"

export Partner__Mode=Production
export DOTNET_ENVIRONMENT=Production ASPNETCORE_ENVIRONMENT=Production
export ConnectionStrings__PartnerDb="Server=127.0.0.1;Port=$db_port;Database=partner;User ID=partner;Password=partner-local"
export ConnectionStrings__Redis="127.0.0.1:$redis_port"

# The API signs access tokens with this key: an operator's Auth__Jwt__SigningKey wins; otherwise a
# random one made on the first start and kept (mode 600) so tokens survive restarts.
if [ -z "${Auth__Jwt__SigningKey:-}" ]; then
  if [ ! -s "$root/jwt-signing-key" ]; then
    (umask 077; { openssl rand -base64 48 2>/dev/null || head -c 48 /dev/urandom | base64 -w0; } >"$root/jwt-signing-key.tmp")
    mv "$root/jwt-signing-key.tmp" "$root/jwt-signing-key"
  fi
  chmod 600 "$root/jwt-signing-key"
  Auth__Jwt__SigningKey=$(tr -d '\n' <"$root/jwt-signing-key")
  export Auth__Jwt__SigningKey
fi

running() { [ -f "$root/pids/$1" ] && kill -0 "$(cat "$root/pids/$1")" 2>/dev/null; }

start_servers() {
  command -v mariadbd >/dev/null && command -v redis-server >/dev/null \
    || { echo "needs mariadb-server and redis-server (apt-get install -y mariadb-server redis-server)" >&2; exit 1; }
  mkdir -p "$root/mariadb-tmp"   # its own: MariaDB instances sharing /tmp collide on temporary-table names
  if [ ! -d "$root/mariadb" ]; then
    mariadb-install-db --no-defaults --user=root --datadir="$root/mariadb" --tmpdir="$root/mariadb-tmp" --auth-root-authentication-method=normal --skip-test-db >/dev/null
    fresh=1
  fi
  running mariadb || {
    mariadbd --no-defaults --user=root --datadir="$root/mariadb" --tmpdir="$root/mariadb-tmp" --port="$db_port" --bind-address=127.0.0.1 \
      --socket="$root/mariadb.sock" --pid-file="$root/pids/mariadb" --log-error="$root/logs/mariadb.log" >>"$root/logs/mariadb.log" 2>&1 &
    for _ in $(seq 1 50); do mariadb --no-defaults -uroot -h127.0.0.1 -P"$db_port" -e 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.2; done
  }
  if [ "${fresh:-0}" = 1 ]; then
    mariadb --no-defaults -uroot -h127.0.0.1 -P"$db_port" <<SQL
CREATE DATABASE IF NOT EXISTS partner CHARACTER SET utf8mb4;
CREATE USER IF NOT EXISTS 'partner'@'%' IDENTIFIED BY 'partner-local';
CREATE USER IF NOT EXISTS 'partner'@'localhost' IDENTIFIED BY 'partner-local';
GRANT ALL ON partner.* TO 'partner'@'%';
GRANT ALL ON partner.* TO 'partner'@'localhost';
SQL
  fi
  running redis || redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$root" --appendonly yes \
    --pidfile "$root/pids/redis" --daemonize yes --logfile "$root/logs/redis.log" >/dev/null
}

start_app() { # name project env...
  local name=$1 project=$2; shift 2
  running "$name" && return
  # From its output folder: the content root (appsettings.json, the web client) is the working directory.
  (cd "$repo/$project/bin/Release/net10.0" && exec env "$@" dotnet "Partner.${project^}.dll") >"$root/logs/$name.log" 2>&1 &
  echo $! >"$root/pids/$name"
}

built() { [ -f api/bin/Release/net10.0/Partner.Api.dll ] && [ -f silo/bin/Release/net10.0/Partner.Silo.dll ]; }

case "${1:-}" in
  start)
    [ "${PARTNER_SKIP_BUILD:-0}" = 1 ] && built || dotnet build Partner.sln -c Release -v quiet -nologo >/dev/null
    start_servers
    start_app silo1 silo Orleans__Endpoints__SiloPort="${PARTNER_SILO1_PORT:-11111}" Orleans__Endpoints__GatewayPort="${PARTNER_GATEWAY1_PORT:-30000}" Orleans__Endpoints__AdvertisedIPAddress=127.0.0.1
    start_app silo2 silo Orleans__Endpoints__SiloPort="${PARTNER_SILO2_PORT:-11112}" Orleans__Endpoints__GatewayPort="${PARTNER_GATEWAY2_PORT:-30001}" Orleans__Endpoints__AdvertisedIPAddress=127.0.0.1
    start_app api api ASPNETCORE_URLS="http://127.0.0.1:$api_port"
    for _ in $(seq 1 120); do
      curl -fs "http://127.0.0.1:$api_port/health/ready" >/dev/null 2>&1 && { curl -s "http://127.0.0.1:$api_port/health/ready"; echo; echo "ready: http://127.0.0.1:$api_port (logs in $root/logs)"; exit 0; }
      sleep 0.5
    done
    echo "not ready after 60 s; see $root/logs" >&2; exit 1 ;;
  stop)
    # Silos stop before the servers, or their shutdown waits ~30 s on the membership table.
    for name in api silo1 silo2 redis mariadb; do
      # By pid, not pid file: MariaDB and Redis delete their pid files before they have exited.
      if running "$name"; then pid=$(cat "$root/pids/$name"); kill "$pid"; while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done; fi
      rm -f "$root/pids/$name"
    done ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
