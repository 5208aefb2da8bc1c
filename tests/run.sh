#!/usr/bin/env bash
# Runs every test of Partner. On a fresh Debian machine it first installs what the tests need
# (MariaDB and Redis servers and the time-zone database, from Debian packages); the tests start their own private
# instances on free ports and stop them afterwards, so no system service is used or changed.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v mariadbd >/dev/null 2>&1 || need+=(mariadb-server)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
[ -e /usr/share/zoneinfo/Asia/Seoul ] || need+=(tzdata)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing ${need[*]} (Debian packages) for the tests..."
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

results="artifacts/test-results"
rm -rf "$results"
status=0
dotnet test Partner.sln -c Release --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" "$@" || status=$?

passed=0; failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
echo "${passed} passed, ${failed} failed"
if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ]; then
  echo "no test ran" >&2
  exit 1
fi
exit "$status"
