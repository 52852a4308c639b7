#!/usr/bin/env bash
# Runs every test of PushConsole: builds, provides what the tests need (Debian's Chromium, a throw-away
# PostgreSQL server on 127.0.0.1), runs the .NET and mini program kit suites, and ends with one line
# "N passed, N failed, N skipped" taken from the runners' own result files.
set -uo pipefail
cd "$(dirname "$0")"
root=$(pwd)
results="$root/.artifacts/test-results"
rm -rf "$results"; mkdir -p "$results"

log() { printf '== %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=0
apt_install() {
  if [ $apt_updated = 0 ]; then as_root apt-get update -qq >/dev/null; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

# --- Chromium for the browser tests -------------------------------------------------------------
if ! command -v chromium >/dev/null 2>&1; then
  log "installing Debian's chromium"
  apt_install chromium || { echo "could not install chromium"; exit 1; }
fi
export PUSHCONSOLE_CHROMIUM=${PUSHCONSOLE_CHROMIUM:-$(command -v chromium)}

# --- PostgreSQL: a private server for this run, on a free loopback port ----------------------------
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  log "installing PostgreSQL"
  apt_install postgresql || { echo "could not install postgresql"; exit 1; }
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
pg_dir=$(mktemp -d /tmp/pushconsole-pg.XXXXXX)
pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
run_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$pg_dir"
run_pg "$pg_bin/initdb -D $pg_dir/data -U postgres -A trust -E UTF8 >$pg_dir/initdb.log 2>&1" || { cat "$pg_dir/initdb.log"; exit 1; }
run_pg "$pg_bin/pg_ctl -D $pg_dir/data -l $pg_dir/server.log -w -o \"-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_dir -c max_connections=300 -c fsync=off\" start >/dev/null" \
  || { cat "$pg_dir/server.log"; exit 1; }
stop_pg() { run_pg "$pg_bin/pg_ctl -D $pg_dir/data -m immediate stop >/dev/null 2>&1"; rm -rf "$pg_dir"; }
trap stop_pg EXIT
export PUSHCONSOLE_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=50"
export PUSHCONSOLE_PG_BIN="$pg_bin" PUSHCONSOLE_PG_DATA="$pg_dir/data" PUSHCONSOLE_PG_PORT="$pg_port"
log "PostgreSQL $($pg_bin/postgres --version | awk '{print $3}') on 127.0.0.1:$pg_port"

# --- .NET suite -----------------------------------------------------------------------------------
log "building"
dotnet build PushConsole.sln -c Release -nologo -v q -clp:ErrorsOnly || { echo "0 passed, 1 failed"; exit 1; }
log "running .NET tests"
dotnet test PushConsole.Tests -c Release --no-build -nologo -v q \
  --logger "trx;LogFileName=dotnet.trx" --results-directory "$results" ${TEST_FILTER:+--filter "$TEST_FILTER"}
dotnet_rc=$?

# --- mini program kit (node's built-in test runner) ------------------------------------------------
node_rc=0
if [ -d miniprogram/test ] && [ -z "${TEST_FILTER:-}" ]; then
  log "running mini program kit tests"
  (cd miniprogram && node --test --test-reporter=tap --test-reporter-destination="$results/node.tap" \
     --test-reporter=spec --test-reporter-destination=stdout test/) ; node_rc=$?
fi

# --- one line from the real counts ---------------------------------------------------------------
python3 - "$results" <<'PY'
import sys, glob, re, xml.etree.ElementTree as ET
passed = failed = skipped = 0
for trx in glob.glob(sys.argv[1] + "/**/*.trx", recursive=True):
    counters = ET.parse(trx).getroot().find(".//{*}ResultSummary/{*}Counters")
    if counters is not None:
        passed += int(counters.get("passed", 0))
        failed += int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0))
        skipped += int(counters.get("notExecuted", 0))
for tap in glob.glob(sys.argv[1] + "/*.tap"):
    text = open(tap).read()
    for key, name in (("pass", "passed"), ("fail", "failed"), ("skipped", "skipped")):
        m = re.findall(r"^# %s (\d+)$" % key, text, re.M)
        if m:
            n = int(m[-1])
            if name == "passed": passed += n
            elif name == "failed": failed += n
            else: skipped += n
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
[ $dotnet_rc = 0 ] && [ $node_rc = 0 ]
