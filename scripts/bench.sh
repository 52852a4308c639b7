#!/usr/bin/env bash
# Runs the intake and claim benchmarks on SQLite and on a private PostgreSQL (127.0.0.1, a free port, fsync on,
# i.e. durable commits as in production), and prints their figures. Usage: scripts/bench.sh [--seconds 10]
# The figures depend on what else the machine runs: each run prints the load average it started with.
#   scripts/bench.sh cluster --nodes 1,2,3 --followers 200000   only the cluster broadcast bench, on the same private PostgreSQL
#   scripts/bench.sh all    every benchmark (intake, claim, campaign + capped, broadcast, cluster, messages, dashboards,
#                           pages demo and large) and one table at the end; sizes from BENCH_FOLLOWERS,
#                           BENCH_CLUSTER_FOLLOWERS, BENCH_CREDENTIALS, BENCH_USERS, BENCH_LEDGER, BENCH_MESSAGES,
#                           BENCH_CAMPAIGN_USERS, BENCH_DATABASE (the large SQLite file, kept and reused)
set -uo pipefail
cd "$(dirname "$0")/.."
extra=("$@")

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$pg_bin/initdb" ] || { echo "PostgreSQL is not installed (apt-get install -y postgresql)"; exit 1; }
pg_dir=$(mktemp -d /tmp/pushconsole-bench-pg.XXXXXX)
pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
run_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$pg_dir"
run_pg "$pg_bin/initdb -D $pg_dir/data -U postgres -A trust -E UTF8 >$pg_dir/initdb.log 2>&1" || { cat "$pg_dir/initdb.log"; exit 1; }
run_pg "$pg_bin/pg_ctl -D $pg_dir/data -l $pg_dir/server.log -w -o \"-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_dir -c max_connections=300 -c shared_buffers=256MB\" start >/dev/null" \
  || { cat "$pg_dir/server.log"; exit 1; }
trap 'run_pg "$pg_bin/pg_ctl -D $pg_dir/data -m fast stop >/dev/null 2>&1"; rm -rf "$pg_dir"' EXIT
export PUSHCONSOLE_BENCH_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres"

dotnet build PushConsole.Bench -c Release -nologo -v q -clp:ErrorsOnly || exit 1
# `all`: every benchmark on SQLite and this private PostgreSQL, then one table of their SUMMARY lines. Sizes are the
# README rows' unless set in the environment; the dashboards' large database is seeded once into BENCH_DATABASE and
# reused by the next run (and by the large pages run).
if [ "${1:-}" = all ]; then
  followers=${BENCH_FOLLOWERS:-1000000}
  cluster_followers=${BENCH_CLUSTER_FOLLOWERS:-200000}
  credentials=${BENCH_CREDENTIALS:-10000000}
  users=${BENCH_USERS:-1000000}
  ledger=${BENCH_LEDGER:-1000000}
  messages=${BENCH_MESSAGES:-6000}
  campaign_users=${BENCH_CAMPAIGN_USERS:-100000}
  database=${BENCH_DATABASE:-/tmp/pushconsole-bench/dashboards-$credentials-$users-$ledger.db}
  mkdir -p "$(dirname "$database")"
  log=$(mktemp /tmp/pushconsole-bench-all.XXXXXX.log)
  started=$(date -u '+%Y-%m-%d %H:%M UTC'); load_start=$(cut -d' ' -f1-3 /proc/loadavg)
  # Before each bench the private PostgreSQL drops the databases of the benches before it and checkpoints, and the
  # machine is given up to a minute to go idle: a bench then does not pay for the background work (checkpoint writes,
  # autovacuum) that the one before it left.
  settle() {
    local sql="$pg_bin/psql -h 127.0.0.1 -p $pg_port -U postgres -d postgres -qAt"
    for db in $($sql -c "SELECT datname FROM pg_database WHERE datname LIKE 'pcbench%'"); do
      $sql -c "DROP DATABASE \"$db\" WITH (FORCE)" >/dev/null 2>&1
    done
    $sql -c "CHECKPOINT" >/dev/null 2>&1
    local waited=0 busy=100
    while [ $waited -lt 60 ]; do
      read -r _ a1 b1 c1 d1 e1 f1 g1 h1 _ < /proc/stat; sleep 2
      read -r _ a2 b2 c2 d2 e2 f2 g2 h2 _ < /proc/stat; waited=$((waited + 2))
      local total=$(( (a2+b2+c2+d2+e2+f2+g2+h2) - (a1+b1+c1+d1+e1+f1+g1+h1) ))
      busy=$(( total > 0 ? 100 * (total - (d2 - d1) - (e2 - e1)) / total : 0 ))
      [ $busy -lt 10 ] && break
    done
    echo "(settled for ${waited} s: CPU ${busy} % busy)" | tee -a "$log"
  }
  one() { settle; echo "== $*" | tee -a "$log"; dotnet PushConsole.Bench/bin/Release/net10.0/PushConsole.Bench.dll "$@" 2>&1 | tee -a "$log"; echo | tee -a "$log"; }
  one intake --provider sqlite
  one intake --provider postgres
  one claim --provider sqlite
  one claim --provider postgres
  one campaign --users "$campaign_users" --capped-runs 5
  one broadcast --followers "$followers"
  one cluster --nodes 1,2,3 --followers "$cluster_followers"
  one messages --provider sqlite --messages "$messages"
  one messages --provider postgres --messages "$messages"
  one dashboards --credentials "$credentials" --users "$users" --ledger "$ledger" --database "$database"
  one pages
  one pages --credentials "$credentials" --users "$users" --ledger "$ledger" --database "$database"
  echo
  echo "PushConsole benchmarks, $started to $(date -u '+%H:%M UTC'), commit $(git rev-parse --short HEAD), $(nproc) cores"
  echo "load average at the start $load_start, at the end $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| what | figure | ceiling / size in the same run | target | met? |"
  echo "|---|---|---|---|---|"
  grep '^SUMMARY|' "$log" | awk -F'|' '{ printf "| %s | %s | %s | %s | %s |\n", $2, $3, $4, $5, $6 }'
  echo
  echo "full output: $log"
  grep -q '^SUMMARY|.*|NO$' "$log" && exit 1
  exit 0
fi
# A named command runs alone (on the private PostgreSQL when it asks for --provider postgres).
if [ "${1:-}" = cluster ] || [ "${1:-}" = messages ]; then
  dotnet PushConsole.Bench/bin/Release/net10.0/PushConsole.Bench.dll "$@"
  exit $?
fi
bench() { dotnet PushConsole.Bench/bin/Release/net10.0/PushConsole.Bench.dll "$@" "${extra[@]}"; echo; }
bench intake --provider sqlite
bench intake --provider postgres
bench claim --provider sqlite
bench claim --provider postgres
