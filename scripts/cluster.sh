#!/usr/bin/env bash
# Starts a local PushConsole cluster on loopback: a private PostgreSQL (if none is given), the standalone WeChat
# simulator on 127.0.0.1:5090 and N console nodes on 127.0.0.1:5081…508N sharing the database, with Quartz.NET
# clustering on. Ctrl-C stops everything it started.
#   scripts/cluster.sh [N] [--demo FOLLOWERS] [--no-build] [--exit]
#     N             console nodes (default 2) on 127.0.0.1:5081…508N
#     --demo F      also create an official account with F simulated followers, its template and a channel whose
#                   reminder is due at once, wait for the broadcast, check the simulator's inboxes and show which
#                   node sent what (the nodes' log lines)
#     --no-build    use the existing Release build
#     --exit        stop the cluster after the demo instead of waiting for Ctrl-C
#   PUSHCONSOLE_PG="Host=…" scripts/cluster.sh 3   use an existing PostgreSQL database instead of a private one
# Each node logs one line per event to .artifacts/cluster/nodeI.log; lines of the broadcast name the node.
set -euo pipefail
cd "$(dirname "$0")/.."
nodes=2 demo=0 build=1 stay=1
while [ $# -gt 0 ]; do
  case "$1" in
    --demo) demo=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --exit) stay=0; shift ;;
    [0-9]*) nodes=$1; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
work=.artifacts/cluster
mkdir -p "$work"
token=${PUSHCONSOLE_API_TOKEN:-pct_cluster_admin_token_0123456789abcdef}
password=${PUSHCONSOLE_ADMIN_PASSWORD:-Cluster-Pa55word}
sim_port=${PUSHCONSOLE_SIM_PORT:-5090}
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
  pg_port=${PUSHCONSOLE_PG_PORT:-55432}
  if [ ! -d "$pg_data" ]; then
    mkdir -p "$pg_data"; if [ "$(id -u)" = 0 ]; then chown postgres "$pg_data" "$(dirname "$pg_data")"; fi
    run_pg "$pg_bin/initdb -D $pg_data -U postgres -A trust -E UTF8 >/dev/null"
  fi
  run_pg "$pg_bin/pg_ctl -D $pg_data -l $(dirname "$pg_data")/pg.log -w -o \"-c listen_addresses=127.0.0.1 -p $pg_port -k /tmp -c max_connections=300\" start >/dev/null"
  pg_started=1
  run_pg "$pg_bin/psql -h 127.0.0.1 -p $pg_port -U postgres -tc \"SELECT 1 FROM pg_database WHERE datname='pushconsole'\"" | grep -q 1 \
    || run_pg "$pg_bin/psql -h 127.0.0.1 -p $pg_port -U postgres -c 'CREATE DATABASE pushconsole' >/dev/null"
  PUSHCONSOLE_PG="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=pushconsole;Maximum Pool Size=100"
fi

if [ $build = 1 ]; then dotnet build PushConsole.sln -c Release -nologo -v q -clp:ErrorsOnly; fi
dotnet PushConsole.Simulator/bin/Release/net10.0/PushConsole.Simulator.dll --urls "http://127.0.0.1:$sim_port" >"$work/simulator.log" 2>&1 &
pids+=($!)
# The nodes start one after the other's health answer: migrations, Quartz's schema and the first admin are made once.
for i in $(seq 1 "$nodes"); do
  port=$((5080 + i))
  ASPNETCORE_ENVIRONMENT=Production \
  Database__Provider=Postgres ConnectionStrings__PushConsole="$PUSHCONSOLE_PG" \
  Scheduler__Clustered=true Scheduler__InstanceId="node$i" Scheduler__IdleWaitTime=00:00:05 \
  Sending__HelperPollInterval=00:00:01 \
  WeChat__Simulator__Enabled=false Demo__Enabled=false Accounts__AllowedApiBaseUrls__0="http://127.0.0.1:$sim_port" \
  Bootstrap__AdminPassword="$password" Bootstrap__ApiToken="$token" \
  Logging__Console__FormatterName=simple Logging__Console__FormatterOptions__SingleLine=true \
  Logging__Console__FormatterOptions__TimestampFormat="HH:mm:ss.fff " \
    dotnet PushConsole/bin/Release/net10.0/PushConsole.dll --urls "http://127.0.0.1:$port" --contentRoot "$(pwd)/PushConsole" \
    >"$work/node$i.log" 2>&1 &
  pids+=($!)
done
for i in $(seq 1 "$nodes"); do
  port=$((5080 + i))
  ready=""
  for _ in $(seq 1 90); do
    if curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then ready=1; break; fi
    if ! kill -0 "${pids[$i]}" 2>/dev/null; then break; fi
    sleep 1
  done
  if [ -z "$ready" ]; then echo "node$i did not start; the end of $work/node$i.log:"; tail -n 20 "$work/node$i.log"; exit 1; fi
  echo "node$i: http://127.0.0.1:$port ($(curl -s "http://127.0.0.1:$port/readyz" | head -c 60)…)"
done
sim="http://127.0.0.1:$sim_port"
echo "simulator: $sim (accounts use it as their API base URL)"
echo "sign in as admin@pushconsole.local / $password, or call /api/v1 with 'Authorization: Bearer $token'; logs in $work/."

if [ "$demo" -gt 0 ]; then
  json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
  api() { curl -sS --fail-with-body -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$@"; }
  appid="wxcluster$(date +%s)"
  curl -fsS "$sim/control/apps" -H 'Content-Type: application/json' \
    -d "{\"appid\":\"$appid\",\"secret\":\"clustersecret0123456789abcdef0123\",\"kind\":\"officialaccount\",\"quotas\":{\"template_send\":null,\"user_get\":null}}" >/dev/null
  curl -fsS "$sim/control/apps/$appid/followers/generate" -H 'Content-Type: application/json' -d "{\"count\":$demo}" >/dev/null
  content='直播:{{thing1.DATA}}\n开播时间:{{time2.DATA}}\n'
  wx_template=$(curl -fsS "$sim/control/apps/$appid/templates" -H 'Content-Type: application/json' \
    -d "{\"title\":\"开播提醒\",\"content\":\"$content\"}" | json "['template_id']")
  account=$(api http://127.0.0.1:5081/api/v1/accounts -d "{\"name\":\"Cluster demo\",\"kind\":2,\"appId\":\"$appid\",\"secret\":\"clustersecret0123456789abcdef0123\",\"apiBaseUrl\":\"$sim/\",\"sendRatePerSecond\":${PUSHCONSOLE_DEMO_RATE:-100000},\"dailyQuota\":100000000,\"timeZone\":\"UTC\"}" | json "['id']")
  template=$(api http://127.0.0.1:5081/api/v1/templates -d "{\"accountId\":$account,\"kind\":3,\"weChatTemplateId\":\"$wx_template\",\"title\":\"开播提醒\",\"content\":\"$content\",\"fields\":[{\"key\":\"thing1\",\"valueExpression\":\"{channel.name}\"},{\"key\":\"time2\",\"valueExpression\":\"{channel.startsAt}\"}]}" | json "['id']")
  starts=$(date -u -d '+30 minutes' +%Y-%m-%dT%H:%M:%S)
  # Created on the last node: the reminder's Quartz trigger fires on whichever node acquires it.
  channel=$(api "http://127.0.0.1:$((5080 + nodes))/api/v1/channels" -d "{\"name\":\"Cluster demo live\",\"accountId\":$account,\"templateId\":$template,\"timeZone\":\"UTC\",\"startsAt\":\"$starts\",\"reminderEnabled\":true,\"reminderMinutesAhead\":30}" | json "['id']")
  echo "demo: channel $channel, $demo followers of $appid; waiting for the broadcast"
  t0=$(date +%s)
  while :; do
    view=$(api "http://127.0.0.1:5081/api/v1/channels/$channel")
    status=$(echo "$view" | json "['reminder']['status']")
    case "$status" in NotNotified|Notifying) sleep 1 ;; *) break ;; esac
  done
  t1=$(date +%s)
  sent=$(echo "$view" | python3 -c "import json,sys; d=json.load(sys.stdin); print((d.get('progress') or {}).get('sent',0))")
  counts=$(curl -fsS "$sim/control/apps/$appid/deliveries/count?template_id=$wx_template")
  echo "demo: $status after $((t1 - t0)) s, $sent sent; simulator: $counts"
  echo "demo: what each node did (from the logs):"
  grep -E "fired|joins the reminder broadcast|left the broadcast|live node" "$work"/node*.log | sed "s#^$work/#  #" || true
fi
if [ $stay = 1 ]; then
  echo "Ctrl-C stops the cluster."
  wait
fi
