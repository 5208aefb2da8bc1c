#!/usr/bin/env bash
# Runs every test of Partner. On a fresh Debian machine it first installs what the build and the tests need
# (MariaDB and Redis servers, the time-zone database, Node.js and npm for the web client's bundle, Chromium for the
# browser tests, and the tools that validate deploy/: docker-compose, nginx, promtool from prometheus, kubectl from
# kubernetes-client, from Debian packages); the tests start their own private instances on free ports and stop them
# afterwards, so no system service is used or changed.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v mariadbd >/dev/null 2>&1 || need+=(mariadb-server)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
[ -e /usr/share/zoneinfo/Asia/Seoul ] || need+=(tzdata)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v kubectl >/dev/null 2>&1 || need+=(kubernetes-client)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing ${need[*]} (Debian packages) for the tests..."
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  # nginx and prometheus are wanted as tools only: a policy-rc.d (Debian's switch) keeps their services from starting.
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null && $sudo chmod +x "$policy"
  fi
  installed=0
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || installed=$?
  [ -z "$policy" ] || $sudo rm -f "$policy"
  [ "$installed" -eq 0 ] || exit "$installed"
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
# Slow test classes (wall time from first start to last end of their tests), so regressions show.
if command -v python3 >/dev/null 2>&1 && compgen -G "$results/*.trx" >/dev/null; then
  python3 - "$results"/*.trx <<'PY' || true
import html, re, sys
from datetime import datetime
spans = {}
for path in sys.argv[1:]:
    for m in re.finditer(r'<UnitTestResult [^>]*testName="([^"(]*)[^"]*"[^>]*startTime="([^"]+)" endTime="([^"]+)"', open(path, encoding="utf-8").read()):
        cls = m.group(1).rsplit(".", 1)[0]
        start, end = (datetime.fromisoformat(t[:26] + t[-6:]) for t in (m.group(2), m.group(3)))
        lo, hi = spans.get(cls, (start, end))
        spans[cls] = (min(lo, start), max(hi, end))
slow = sorted(((hi - lo).total_seconds(), cls) for cls, (lo, hi) in spans.items())
slow = [(s, c) for s, c in slow if s >= 10]
if slow:
    print("Slow test classes (>= 10 s):")
    for seconds, cls in reversed(slow):
        print(f"  {seconds:7.1f} s  {cls}")
failures = []
for path in sys.argv[1:]:
    text = open(path, encoding="utf-8").read()
    for m in re.finditer(r'<UnitTestResult [^>]*testName="([^"]*)"[^>]*outcome="Failed"[^>]*>(.*?)</UnitTestResult>', text, re.S):
        message = re.search(r'<Message>(.*?)</Message>', m.group(2), re.S)
        # The head of the message (a child process's output follows its first line), indented under the test's name.
        lines = html.unescape(message.group(1)).strip().splitlines()[:12] if message else [""]
        head = "\n      ".join(line[:300] for line in lines)
        failures.append(f"  {html.unescape(m.group(1))}: {head}")
if failures:
    print("Failed tests:")
    print("\n".join(failures))
# Errors of the run itself (a fixture's cleanup that threw, a test host that crashed): they fail the run
# with every test passed, so they are printed here, where the tail of the output shows them.
errors = []
for path in sys.argv[1:]:
    for m in re.finditer(r'<RunInfo [^>]*outcome="Error"[^>]*>\s*<Text>(.*?)</Text>', open(path, encoding="utf-8").read(), re.S):
        errors.append("  " + html.unescape(m.group(1)).strip()[:600])
if errors:
    print("Errors of the run:")
    print("\n".join(errors))
PY
fi
echo "${passed} passed, ${failed} failed"
if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ]; then
  echo "no test ran" >&2
  exit 1
fi
exit "$status"
