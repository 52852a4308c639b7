#!/usr/bin/env bash
# Re-creates the single "Initial" migration of every provider (SQLite, PostgreSQL, SQL Server) from the current model.
# While nothing is released, the schema is one migration; once a release ships, add migrations instead
# (scripts/add-migration.sh NAME) and never rewrite a shipped one.
set -euo pipefail
cd "$(dirname "$0")/.."
find Migrations -name "*.cs" -not -path "*/obj/*" -not -path "*/bin/*" -delete
exec scripts/add-migration.sh Initial
