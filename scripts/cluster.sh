#!/usr/bin/env bash
# Starts a local PushConsole cluster on loopback: a private PostgreSQL (if none is given), the standalone WeChat
# simulator on 127.0.0.1:5090 and N console nodes on 127.0.0.1:5081…508N sharing the database, with Quartz.NET
# clustering on. Ctrl-C stops everything it started.
#   scripts/cluster.sh [N]            N nodes (default 2)
#   PUSHCONSOLE_PG="Host=…" scripts/cluster.sh 3   use an existing PostgreSQL database instead of a private one
set -euo pipefail
cd "$(dirname "$0")/.."
nodes=${1:-2}
work=.artifacts/cluster
mkdir -p "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ -n "${pg_started:-}" ]; then run_pg "$pg_bin/pg_ctl -D $pg_data -m fast stop >/dev/null 2>&1" || true; fi
}
trap cleanup EXIT INT TERM
run_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }

if [ -z "${PUSHCONSOLE_PG:-}" ]; then
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$pg_bin" ]; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
  pg_data=$(realpath "$work")/pg
  pg_port=55432
  if [ ! -d "$pg_data" ]; then
    mkdir -p "$pg_data"; [ "$(id -u)" = 0 ] && chown postgres "$pg_data" "$(dirname "$pg_data")"
    run_pg "$pg_bin/initdb -D $pg_data -U postgres -A trust -E UTF8 >/dev/null"
  fi
  run_pg "$pg_bin/pg_ctl -D $pg_data -l $pg_data/../pg.log -w -o \"-c listen_addresses=127.0.0.1 -p $pg_port -k /tmp -c max_connections=300\" start >/dev/null"
  pg_started=1
  run_pg "$pg_bin/psql -h 127.0.0.1 -p $pg_port -U postgres -tc \"SELECT 1 FROM pg_database WHERE datname='pushconsole'\"" | grep -q 1 \
    || run_pg "$pg_bin/psql -h 127.0.0.1 -p $pg_port -U postgres -c 'CREATE DATABASE pushconsole' >/dev/null"
  PUSHCONSOLE_PG="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=pushconsole;Maximum Pool Size=100"
fi

dotnet build PushConsole.sln -c Release -nologo -v q -clp:ErrorsOnly
dotnet PushConsole.Simulator/bin/Release/net10.0/PushConsole.Simulator.dll --urls http://127.0.0.1:5090 >"$work/simulator.log" 2>&1 &
pids+=($!)
for i in $(seq 1 "$nodes"); do
  port=$((5080 + i))
  ASPNETCORE_ENVIRONMENT=Production \
  Database__Provider=Postgres ConnectionStrings__PushConsole="$PUSHCONSOLE_PG" \
  Scheduler__Clustered=true Scheduler__InstanceId="node$i" \
  WeChat__Simulator__Enabled=false \
  Bootstrap__AdminPassword="${PUSHCONSOLE_ADMIN_PASSWORD:-Cluster-Pa55word}" \
    dotnet PushConsole/bin/Release/net10.0/PushConsole.dll --urls "http://127.0.0.1:$port" --contentRoot "$(pwd)/PushConsole" \
    >"$work/node$i.log" 2>&1 &
  pids+=($!)
done
for i in $(seq 1 "$nodes"); do
  port=$((5080 + i))
  for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 1; done
  echo "node$i: http://127.0.0.1:$port ($(curl -s "http://127.0.0.1:$port/readyz"))"
done
echo "simulator: http://127.0.0.1:5090 (accounts should use it as their API base URL)"
echo "sign in as admin@pushconsole.local / ${PUSHCONSOLE_ADMIN_PASSWORD:-Cluster-Pa55word}; logs in $work/. Ctrl-C stops the cluster."
wait
