using PushConsole.Persistence;

namespace PushConsole.Outcomes;

/// <summary>
/// The triggers that keep <see cref="OutcomeTally"/> in step with the ledger, one set per database, installed by the
/// migrator after the migrations (idempotent: CREATE … IF NOT EXISTS / OR REPLACE / OR ALTER). A row counts while its
/// status is Sent, Failed or Skipped (2 and above), under its account, local day, its run's kind, status, skip reason and
/// errcode; any change of those moves it between tally rows.
/// </summary>
internal static class OutcomeTallyTriggers
{
    private const string Columns = "\"AccountId\", \"LocalDay\", \"RunKind\", \"Status\", \"SkipReason\", \"ErrCode\", \"Stripe\"";

    public static IReadOnlyList<string> For(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.Sqlite => Sqlite,
        DatabaseProvider.Postgres => Postgres,
        DatabaseProvider.SqlServer => SqlServer,
        _ => throw new InvalidOperationException($"No outcome tallies for {provider}."),
    };

    /// <summary>SQLite: row triggers (one writer at a time, so one stripe).</summary>
    private static string SqliteAdd(string row, int sign) => $"""
        INSERT INTO "OutcomeTallies" ({Columns}, "Count")
        SELECT {row}."AccountId", {row}."LocalDay", r."Kind", {row}."Status", {row}."SkipReason", COALESCE({row}."ErrCode", {OutcomeTally.NoErrCode}), 0, {sign}
        FROM "DeliveryRuns" AS r WHERE r."Id" = {row}."RunId" AND {row}."Status" >= 2
        ON CONFLICT ({Columns}) DO UPDATE SET "Count" = "OutcomeTallies"."Count" + excluded."Count";
        """;

    private static readonly string[] Sqlite =
    [
        $"""
        CREATE TRIGGER IF NOT EXISTS "TR_Deliveries_OutcomeTallies_Insert" AFTER INSERT ON "Deliveries" WHEN NEW."Status" >= 2
        BEGIN {SqliteAdd("NEW", 1)} END
        """,
        $"""
        CREATE TRIGGER IF NOT EXISTS "TR_Deliveries_OutcomeTallies_Update" AFTER UPDATE ON "Deliveries"
        WHEN (OLD."Status" >= 2 OR NEW."Status" >= 2) AND (OLD."Status" <> NEW."Status" OR OLD."SkipReason" <> NEW."SkipReason"
            OR OLD."ErrCode" IS NOT NEW."ErrCode" OR OLD."LocalDay" <> NEW."LocalDay" OR OLD."AccountId" <> NEW."AccountId" OR OLD."RunId" <> NEW."RunId")
        BEGIN {SqliteAdd("OLD", -1)} {SqliteAdd("NEW", 1)} END
        """,
        $"""
        CREATE TRIGGER IF NOT EXISTS "TR_Deliveries_OutcomeTallies_Delete" AFTER DELETE ON "Deliveries" WHEN OLD."Status" >= 2
        BEGIN {SqliteAdd("OLD", -1)} END
        """,
    ];

    /// <summary>The rows of a transition table (or SQL Server's inserted/deleted) as (key…, n), finished ones only.</summary>
    private static string Rows(string table, int sign) => $"""
        SELECT "AccountId" AS a, "LocalDay" AS day, "RunId" AS run, "Status" AS s, "SkipReason" AS k,
               COALESCE("ErrCode", {OutcomeTally.NoErrCode}) AS e, {sign} AS n
        FROM {table} WHERE "Status" >= 2
        """;

    // The run's kind is looked up per finished row by its key. A join let the plan, which plpgsql makes once per
    // connection from the first statement's row count, hash the transition rows and scan every run: a scan of
    // DeliveryRuns per send batch, take statements (no finished rows) included.
    private static string PostgresAdd(string rows) => $"""
        INSERT INTO "OutcomeTallies" AS t ({Columns}, "Count")
        SELECT x.a, x.day, x.kind, x.s, x.k, x.e, pg_backend_pid(), SUM(x.n)
        FROM (SELECT f.*, (SELECT r."Kind" FROM "DeliveryRuns" AS r WHERE r."Id" = f.run) AS kind FROM ({rows}) AS f) AS x
        GROUP BY x.a, x.day, x.kind, x.s, x.k, x.e HAVING SUM(x.n) <> 0
        ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT ({Columns}) DO UPDATE SET "Count" = t."Count" + EXCLUDED."Count";
        """;

    /// <summary>PostgreSQL: statement triggers with transition tables, so a batch of rows makes one upsert.</summary>
    private static readonly string[] Postgres =
    [
        $"""
        CREATE OR REPLACE FUNCTION "pushconsole_outcome_tallies"() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                {PostgresAdd(Rows("new_rows", 1))}
            ELSIF TG_OP = 'DELETE' THEN
                {PostgresAdd(Rows("old_rows", -1))}
            ELSE
                {PostgresAdd(Rows("old_rows", -1) + " UNION ALL " + Rows("new_rows", 1))}
            END IF;
            RETURN NULL;
        END
        $fn$
        """,
        """
        CREATE OR REPLACE TRIGGER "TR_Deliveries_OutcomeTallies_Insert" AFTER INSERT ON "Deliveries"
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "pushconsole_outcome_tallies"()
        """,
        """
        CREATE OR REPLACE TRIGGER "TR_Deliveries_OutcomeTallies_Update" AFTER UPDATE ON "Deliveries"
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "pushconsole_outcome_tallies"()
        """,
        """
        CREATE OR REPLACE TRIGGER "TR_Deliveries_OutcomeTallies_Delete" AFTER DELETE ON "Deliveries"
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "pushconsole_outcome_tallies"()
        """,
    ];

    /// <summary>SQL Server: one statement trigger over inserted and deleted.</summary>
    private static readonly string[] SqlServer =
    [
        $"""
        CREATE OR ALTER TRIGGER "TR_Deliveries_OutcomeTallies" ON "Deliveries" AFTER INSERT, UPDATE, DELETE AS
        BEGIN
            SET NOCOUNT ON;
            MERGE "OutcomeTallies" WITH (HOLDLOCK) AS t
            USING (
                SELECT x.a AS "AccountId", x.day AS "LocalDay", r."Kind" AS "RunKind", x.s AS "Status", x.k AS "SkipReason", x.e AS "ErrCode",
                       @@SPID AS "Stripe", SUM(x.n) AS "Count"
                FROM ({Rows("deleted", -1)} UNION ALL {Rows("inserted", 1)}) AS x
                INNER JOIN "DeliveryRuns" AS r ON r."Id" = x.run
                GROUP BY x.a, x.day, r."Kind", x.s, x.k, x.e HAVING SUM(x.n) <> 0) AS s
            ON t."AccountId" = s."AccountId" AND t."LocalDay" = s."LocalDay" AND t."RunKind" = s."RunKind" AND t."Status" = s."Status"
               AND t."SkipReason" = s."SkipReason" AND t."ErrCode" = s."ErrCode" AND t."Stripe" = s."Stripe"
            WHEN MATCHED THEN UPDATE SET "Count" = t."Count" + s."Count"
            WHEN NOT MATCHED THEN INSERT ({Columns}, "Count")
                VALUES (s."AccountId", s."LocalDay", s."RunKind", s."Status", s."SkipReason", s."ErrCode", s."Stripe", s."Count");
        END
        """,
    ];

    [TransactSql]
    private static IEnumerable<string> SqlServerStatements => SqlServer;
}
