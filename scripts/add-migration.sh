#!/usr/bin/env bash
# Scaffolds an EF Core migration for every provider (SQLite, PostgreSQL, SQL Server): scripts/add-migration.sh NAME
# dotnet-ef comes from the repository's tool manifest (.config/dotnet-tools.json); the design-time package
# is referenced only when EfDesign=true, so the ordinary build does not carry it.
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: scripts/add-migration.sh NAME}
dotnet tool restore >/dev/null
export EfDesign=true
Database__Provider=Sqlite dotnet ef migrations add "$name" --project Migrations/Sqlite --startup-project PushConsole
# The design-time connection strings are never opened: adding a migration reads the model only.
Database__Provider=Postgres ConnectionStrings__PushConsole="Host=127.0.0.1;Database=design_time" \
  dotnet ef migrations add "$name" --project Migrations/Postgres --startup-project PushConsole
Database__Provider=SqlServer ConnectionStrings__PushConsole="Server=127.0.0.1;Database=design_time;User Id=sa;Password=unused;TrustServerCertificate=true" \
  dotnet ef migrations add "$name" --project Migrations/SqlServer --startup-project PushConsole
