#!/usr/bin/env bash
# Checks the WeChat simulator against a third-party SDK (co-wechat-api from npm), not only our own client.
# Needs the npm registry (it installs the SDK into a temporary folder), so it is not part of ./test.sh.
#   scripts/sdk-compat.sh            builds and starts the standalone simulator on a free 127.0.0.1 port
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/pushconsole-sdk.XXXXXX)
trap 'kill "${sim_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
(cd "$work" && npm install --silent --no-audit --no-fund co-wechat-api@3.11.0 >/dev/null)
dotnet build PushConsole.Simulator -c Release -nologo -v q -clp:ErrorsOnly >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
dotnet PushConsole.Simulator/bin/Release/net10.0/PushConsole.Simulator.dll --urls "http://127.0.0.1:$port" >"$work/simulator.log" 2>&1 &
sim_pid=$!
for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$port/control" >/dev/null 2>&1 && break; sleep 0.5; done
SDK_DIR="$work/node_modules/co-wechat-api" SIM="http://127.0.0.1:$port" node scripts/sdk-compat/co-wechat-api.mjs
