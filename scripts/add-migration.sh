#!/usr/bin/env bash
# Scaffolds an EF Core migration for both providers: scripts/add-migration.sh NAME
# Needs dotnet-ef and the design-time package feed (../shared/tools/ef-design-feed.sh explains why).
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: scripts/add-migration.sh NAME}
feed_script=../shared/tools/ef-design-feed.sh
[ -x "$HOME/.dotnet/tools/dotnet-ef" ] || command -v dotnet-ef >/dev/null || bash "$feed_script"
dotnet nuget list source | grep -q ef-design-feed || bash "$feed_script"
export PATH="$PATH:$HOME/.dotnet/tools" EfDesign=true
Database__Provider=Sqlite dotnet ef migrations add "$name" --project Migrations/Sqlite --startup-project PushConsole
Database__Provider=Postgres ConnectionStrings__PushConsole="Host=127.0.0.1;Database=design_time" \
  dotnet ef migrations add "$name" --project Migrations/Postgres --startup-project PushConsole
