#!/usr/bin/env bash
# Scaffolds an EF Core migration for every provider: scripts/add-migration.sh NAME
# dotnet-ef comes from the repository's tool manifest (.config/dotnet-tools.json); the design-time package
# is referenced only when EfDesign=true, so the ordinary build does not carry it.
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: scripts/add-migration.sh NAME}
dotnet tool restore >/dev/null
export EfDesign=true
Database__Provider=Sqlite dotnet ef migrations add "$name" --project Migrations/Sqlite --startup-project PushConsole
Database__Provider=Postgres ConnectionStrings__PushConsole="Host=127.0.0.1;Database=design_time" \
  dotnet ef migrations add "$name" --project Migrations/Postgres --startup-project PushConsole
