#!/usr/bin/env bash
# Runs the intake and claim benchmarks on SQLite and on a private PostgreSQL (127.0.0.1, a free port, fsync on,
# i.e. durable commits as in production), and prints their figures. Usage: scripts/bench.sh [--seconds 10]
# The figures depend on what else the machine runs: each run prints the load average it started with.
#   scripts/bench.sh cluster --nodes 1,2,3 --followers 200000   only the cluster broadcast bench, on the same private PostgreSQL
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
