#!/usr/bin/env bash
# Runs every test of PushConsole: builds, provides what the tests need (Debian's Chromium, a throw-away
# PostgreSQL server on 127.0.0.1), runs the .NET and mini program kit suites, and ends with one line
# "N passed, N failed, N skipped" taken from the runners' own result files.
set -uo pipefail
cd "$(dirname "$0")"
root=$(pwd)
results="$root/.artifacts/test-results"
rm -rf "$results"; mkdir -p "$results"
# The tests' SQLite files (TestDatabases) are left for a failed test to be looked at; those of runs over two hours
# old go, or a developer's temp directory grows by gigabytes a day. A run under way elsewhere keeps its files.
find "${TMPDIR:-/tmp}/pushconsole-tests" -mindepth 1 -mmin +120 -delete 2>/dev/null || true

log() { printf '== [%3ds] %s\n' $((SECONDS)) "$*"; }
# Each step's wall time, printed before the closing line (where a run's time goes, for keeping it under 10 minutes).
step_name=""; step_start=$SECONDS; step_times=""
step() {
  [ -z "$step_name" ] || step_times+="${step_times:+, }$step_name $((SECONDS - step_start)) s"
  step_name=$1; step_start=$SECONDS
}
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=0
apt_install() {
  if [ $apt_updated = 0 ]; then as_root apt-get update -qq >/dev/null; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

# --- mini program kit's dev dependencies, installed meanwhile -------------------------------------------
# Its dev tools (typescript, miniprogram-api-typings, miniprogram-simulate, j-component, jsdom) come from
# miniprogram/package-lock.json: `npm ci` on a clean clone, and again whenever the lock file changed since the
# last install (the hash of the lock that node_modules was installed from is kept beside it). It needs nothing the
# steps below make and mostly waits on the disk, so it runs beside them (its output in the results) and the kit
# step waits for it.
kit_install() {
  local lock_hash stamp=miniprogram/node_modules/.pushconsole-lock.sha256
  lock_hash=$(sha256sum miniprogram/package-lock.json | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_hash" ]; then return 0; fi
  log "installing the kit's dev dependencies (npm ci, beside the build)"
  (cd miniprogram && npm ci --no-audit --no-fund --loglevel=error) || return 1
  echo "$lock_hash" >"$stamp"
}
kit_install_pid=""
if [ -d miniprogram/test ]; then
  kit_install >"$results/npm-ci.log" 2>&1 &
  kit_install_pid=$!
fi

# --- Chromium for the browser tests -------------------------------------------------------------
step "Chromium check"
if ! command -v chromium >/dev/null 2>&1; then
  log "installing Debian's chromium"
  apt_install chromium || { echo "could not install chromium"; exit 1; }
fi
export PUSHCONSOLE_CHROMIUM=${PUSHCONSOLE_CHROMIUM:-$(command -v chromium)}

# --- PostgreSQL: a private server for this run, on a free loopback port ----------------------------
step "PostgreSQL start"
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
console_pid=""; console_dir=""
stop_console() {
  if [ -n "$console_pid" ]; then
    kill "$console_pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$console_pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$console_pid" 2>/dev/null
    wait "$console_pid" 2>/dev/null
    console_pid=""
  fi
  if [ -n "$console_dir" ]; then rm -rf "$console_dir"; console_dir=""; fi
}
cleanup() { stop_console; stop_pg; [ -z "$kit_install_pid" ] || kill "$kit_install_pid" 2>/dev/null; }
trap cleanup EXIT
trap 'exit 130' INT TERM
export PUSHCONSOLE_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=50"
export PUSHCONSOLE_PG_BIN="$pg_bin" PUSHCONSOLE_PG_DATA="$pg_dir/data" PUSHCONSOLE_PG_PORT="$pg_port"
log "PostgreSQL $($pg_bin/postgres --version | awk '{print $3}') on 127.0.0.1:$pg_port"

# --- .NET suite -----------------------------------------------------------------------------------
step "build"
log "building"
dotnet build PushConsole.sln -c Release -nologo -v q -clp:ErrorsOnly || { echo "0 passed, 1 failed"; exit 1; }
step ".NET tests"
log "running .NET tests"
dotnet test PushConsole.Tests -c Release --no-build -nologo -v q \
  --logger "trx;LogFileName=dotnet.trx" --results-directory "$results" ${TEST_FILTER:+--filter "$TEST_FILTER"}
dotnet_rc=$?

# --- a running console for the kit's end-to-end test -----------------------------------------------
# The built console (Release dll) on a free loopback port: fresh SQLite file, Development (simulator at
# /sim), demo data (the demo mini program wxdemominiprog01), a known admin password and API token. Ready
# means /readyz answers and the demo data is seeded. If it does not come up, the e2e tests are told so
# and fail (PUSHCONSOLE_E2E_STARTUP_ERROR) instead of skipping; its log is kept in the results.
start_console() {
  local dll="$root/PushConsole/bin/Release/net10.0/PushConsole.dll" log_file="$results/e2e-console.log"
  console_dir=$(mktemp -d /tmp/pushconsole-e2e.XXXXXX)
  local port token password
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  token="e2e-$(python3 -c 'import secrets; print(secrets.token_hex(20))')"
  password="E2e-$(python3 -c 'import secrets; print(secrets.token_hex(12))')"
  export PUSHCONSOLE_E2E_URL="http://127.0.0.1:$port" PUSHCONSOLE_E2E_SIM="http://127.0.0.1:$port/sim/control"
  export PUSHCONSOLE_E2E_APPID=wxdemominiprog01 PUSHCONSOLE_E2E_TOKEN="$token"
  export PUSHCONSOLE_E2E_TEMPLATE=DemoCheckinReminder0000000000000000000001
  export PUSHCONSOLE_E2E_LEGACY_TEMPLATE=DemoLegacyCheckinTmpl000000000000000000001
  export PUSHCONSOLE_E2E_ADMIN_EMAIL=admin@pushconsole.local PUSHCONSOLE_E2E_ADMIN_PASSWORD="$password"
  export PUSHCONSOLE_E2E_REQUIRED=1
  unset PUSHCONSOLE_E2E_STARTUP_ERROR PUSHCONSOLE_E2E_OPENID
  if [ ! -f "$dll" ]; then export PUSHCONSOLE_E2E_STARTUP_ERROR="$dll is missing"; return 1; fi
  echo '{}' >"$console_dir/appsettings.json"   # no operator file: only the settings below
  (cd "$console_dir" && exec env PUSHCONSOLE_CONFIG="$console_dir/appsettings.json" \
     ASPNETCORE_ENVIRONMENT=Development ASPNETCORE_URLS="$PUSHCONSOLE_E2E_URL" \
     Database__Provider=Sqlite ConnectionStrings__PushConsole="Data Source=$console_dir/pushconsole.db" \
     WeChat__Simulator__Enabled=true Demo__Enabled=true Logging__LogLevel__Microsoft.EntityFrameworkCore=Warning \
     Bootstrap__AdminEmail="$PUSHCONSOLE_E2E_ADMIN_EMAIL" Bootstrap__AdminPassword="$password" Bootstrap__ApiToken="$token" \
     dotnet "$dll") >"$log_file" 2>&1 &
  console_pid=$!
  local deadline=$((SECONDS + ${PUSHCONSOLE_E2E_START_TIMEOUT:-120}))
  until curl -fsS -o /dev/null "$PUSHCONSOLE_E2E_URL/readyz" 2>/dev/null && grep -q "Demo data: accounts" "$log_file"; do
    if ! kill -0 "$console_pid" 2>/dev/null; then
      export PUSHCONSOLE_E2E_STARTUP_ERROR="the console exited during start-up (log: $log_file)"; console_pid=""; return 1
    fi
    if grep -q "Demo data could not be seeded" "$log_file"; then
      export PUSHCONSOLE_E2E_STARTUP_ERROR="the demo data could not be seeded (log: $log_file)"; return 1
    fi
    if [ $SECONDS -ge $deadline ]; then
      export PUSHCONSOLE_E2E_STARTUP_ERROR="the console was not ready with demo data within ${PUSHCONSOLE_E2E_START_TIMEOUT:-120} s (log: $log_file)"; return 1
    fi
    sleep 0.5
  done
}

# --- mini program kit (node's built-in test runner) ------------------------------------------------
# After the .NET run, not beside it: its console's start-up and the node suite take the CPU the .NET run's cold
# start needs (a browser test's first page render timed out beside them on a loaded machine).
node_rc=0
if [ -d miniprogram/test ]; then
  step "kit (npm ci's rest, console start, node tests)"
  wait "$kit_install_pid"; kit_install_rc=$?; kit_install_pid=""
  cat "$results/npm-ci.log"
  [ $kit_install_rc = 0 ] || echo "npm ci in miniprogram/ failed: the kit suites that need its dev tools will fail"
  log "starting the console for the kit's end-to-end test"
  if start_console; then
    log "console on $PUSHCONSOLE_E2E_URL (log: $results/e2e-console.log)"
  else
    echo "console start-up failed: $PUSHCONSOLE_E2E_STARTUP_ERROR"; tail -n 30 "$results/e2e-console.log" 2>/dev/null
  fi
  log "running mini program kit tests"
  (cd miniprogram && node --test --test-reporter=tap --test-reporter-destination="$results/node.tap" \
     --test-reporter=spec --test-reporter-destination=stdout test/) ; node_rc=$?
  [ $kit_install_rc = 0 ] || node_rc=1
  stop_console
fi

step ""
log "steps: $step_times; in all $SECONDS s"

# --- why, when something failed: CI keeps only this output, not the results folder ------------------
if [ $dotnet_rc != 0 ]; then
  echo "== failed .NET tests (from $results/dotnet.trx):"
  python3 "$root/scripts/failures.py" 2500 "$results"
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
        # Skipped tests are counted in neither "executed" nor "notExecuted" by the TRX logger: total less executed.
        skipped += max(int(counters.get("notExecuted", 0)), int(counters.get("total", 0)) - int(counters.get("executed", 0)))
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
