using Microsoft.EntityFrameworkCore;
using PushConsole.Accounts;
using PushConsole.Campaigns;
using PushConsole.Credentials;
using PushConsole.Ledger;
using PushConsole.Persistence;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.Campaigns;

/// <summary>
/// The engine claims a batch's credentials and takes its rows in one transaction of the ledger's
/// (<c>DeliveryLedger.TakeForSendingAsync</c> with the batch's claim): one commit, and a take that fails undoes the
/// claim with its rollback. The database tells: triggers on the real tables make the take fail, or note each
/// claim's and take's transaction.
/// </summary>
public class ClaimAndTakeTests
{
    private const int Users = 6;

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task A_batch_whose_take_fails_leaves_every_credential_it_claimed_in_the_pool_with_its_uses_and_tallies(DatabaseProvider provider)
    {
        var (h, account, users, run) = await CampaignOfUsersAsync(provider);
        await using var _ = h;
        // The database refuses to move a row to Sending: the take statement fails after the claim statement succeeded
        // in the same transaction.
        await TriggerAsync(h, provider, "refuse_take", "BEFORE UPDATE", "Deliveries", $"""NEW."Status" = {(int)DeliveryStatus.Sending}""",
            sqliteBody: "SELECT RAISE(ABORT, 'take refused by the test')", postgresBody: "RAISE EXCEPTION 'take refused by the test'");

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => h.ExecuteAsync(run));

        Assert.Contains("take refused by the test", failure.Message);
        await using (var db = await h.Contexts.CreateDbContextAsync())
        {
            var credentials = await db.Credentials.AsNoTracking().Where(c => c.AccountId == account.Id).ToListAsync();
            Assert.Equal(Users, credentials.Count);
            Assert.All(credentials, c =>
            {
                Assert.Equal(CredentialStatus.Available, c.Status);
                Assert.Equal(1, c.UsesLeft);
                Assert.Null(c.ClosedAt);
            });
            Assert.Equal(credentials.Select(c => c.Id).Order(),
                (await db.AvailableCredentials.AsNoTracking().Where(a => a.AccountId == account.Id).Select(a => a.CredentialId).ToListAsync()).Order());
            var rows = await db.Deliveries.AsNoTracking().Where(d => d.RunId == run.Id).ToListAsync();
            Assert.All(rows, d =>
            {
                Assert.Equal(DeliveryStatus.Pending, d.Status);
                Assert.Null(d.CredentialId);
            });
        }
        // The tallies moved back with the rows: a recount of the pool finds nothing to repair.
        Assert.Equal(0, (await h.Services.GetRequiredService<TallyReconciliation>().RunAsync()).Total);
        Assert.All(users, u => Assert.Equal(0, h.InboxCount(account, u)));

        // With the take allowed again the same credentials are claimed and sent, once each.
        await ExecuteAsync(h, provider == DatabaseProvider.Sqlite ? "DROP TRIGGER refuse_take" : """DROP TRIGGER refuse_take ON "Deliveries" """);
        CampaignHarness.AssertCompleted(await h.ExecuteAsync(run));
        Assert.All(users, u => Assert.Equal(1, h.InboxCount(account, u)));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task A_claim_whose_row_another_sender_took_meanwhile_goes_back_to_the_pool_with_its_use_and_tallies(DatabaseProvider provider)
    {
        var (h, account, users, run) = await CampaignOfUsersAsync(provider);
        await using var _ = h;
        var lost = users[0];
        // As another sender would between the peek and the take: when the claim takes the user's use, the user's row
        // leaves Pending (here: skipped as if the run had been canceled for them), so the take does not get it.
        var takeElsewhere = $"""
            UPDATE "Deliveries" SET "Status" = {(int)DeliveryStatus.Skipped}, "SkipReason" = {(int)SkipReason.Canceled}
            WHERE "RunId" = {run.Id} AND "Recipient" = NEW."OpenId" AND "Status" = {(int)DeliveryStatus.Pending}
            """;
        await TriggerAsync(h, provider, "take_elsewhere", "AFTER UPDATE", "Credentials",
            $"""NEW."OpenId" = '{lost}' AND NEW."UsesLeft" = OLD."UsesLeft" - 1""", takeElsewhere, takeElsewhere);

        CampaignHarness.AssertCompleted(await h.ExecuteAsync(run));

        Assert.Equal(0, h.InboxCount(account, lost));
        Assert.All(users.Skip(1), u => Assert.Equal(1, h.InboxCount(account, u)));
        var credential = Assert.Single(await h.CredentialsOfAsync(account, lost));
        Assert.Equal(CredentialStatus.Available, credential.Status);
        Assert.Equal(1, credential.UsesLeft);
        Assert.Null((await h.DeliveriesAsync(run.Id))[lost].CredentialId);
        Assert.Equal(0, (await h.Services.GetRequiredService<TallyReconciliation>().RunAsync()).Total);
    }

    [Fact]
    public async Task The_engine_claims_a_batchs_credentials_in_the_transaction_that_takes_its_rows_on_PostgreSQL()
    {
        var (h, account, users, run) = await CampaignOfUsersAsync(DatabaseProvider.Postgres);
        await using var _ = h;
        // Each claim of a use and each take of a row notes the transaction it is written in.
        await ExecuteAsync(h, $"""
            CREATE TABLE test_transactions (what text NOT NULL, xact text NOT NULL);
            CREATE FUNCTION note_transaction() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN INSERT INTO test_transactions VALUES (TG_ARGV[0], pg_current_xact_id()::text); RETURN NULL; END $$;
            CREATE TRIGGER note_claim AFTER UPDATE ON "Credentials" FOR EACH ROW WHEN (NEW."UsesLeft" = OLD."UsesLeft" - 1)
                EXECUTE FUNCTION note_transaction('claim');
            CREATE TRIGGER note_take AFTER UPDATE ON "Deliveries" FOR EACH ROW
                WHEN (OLD."Status" = {(int)DeliveryStatus.Pending} AND NEW."Status" = {(int)DeliveryStatus.Sending})
                EXECUTE FUNCTION note_transaction('take');
            """);

        CampaignHarness.AssertCompleted(await h.ExecuteAsync(run));

        Assert.All(users, u => Assert.Equal(1, h.InboxCount(account, u)));
        await using var db = await h.Contexts.CreateDbContextAsync();
        var noted = await db.Database.SqlQueryRaw<string>("""SELECT what || ' ' || xact AS "Value" FROM test_transactions""").ToListAsync();
        var claims = noted.Where(n => n.StartsWith("claim ", StringComparison.Ordinal)).Select(n => n[6..]).ToList();
        var takes = noted.Where(n => n.StartsWith("take ", StringComparison.Ordinal)).Select(n => n[5..]).ToHashSet();
        Assert.Equal(Users, claims.Count);
        Assert.Equal(Users, noted.Count - claims.Count);
        Assert.All(claims, transaction => Assert.Contains(transaction, takes));
    }

    /// <summary>
    /// A run of a campaign to <see cref="Users"/> users holding a formId each, fired and not executed. Daily cap 1 (the
    /// default): on PostgreSQL the take locks the account first, and the claim comes after the lock.
    /// </summary>
    private static async Task<(CampaignHarness, WeChatAccount, List<string>, DeliveryRun)> CampaignOfUsersAsync(DatabaseProvider provider)
    {
        var h = await CampaignHarness.StartAsync(provider);
        try
        {
            var account = await h.AccountAsync();
            var template = await h.TemplateAsync(account);
            var users = await h.UsersWithFormIdsAsync(account, Users);
            var campaign = await h.CampaignAsync(account, template, AudienceKind.UploadedList, users);
            return (h, account, users, await h.FireAsync(campaign));
        }
        catch
        {
            await h.DisposeAsync();
            throw;
        }
    }

    /// <summary>A row trigger in either dialect: SQLite's runs its statement, PostgreSQL's a plpgsql function doing the same.</summary>
    private static Task TriggerAsync(CampaignHarness h, DatabaseProvider provider, string name, string timing, string table, string when,
        string sqliteBody, string postgresBody) =>
        ExecuteAsync(h, provider == DatabaseProvider.Sqlite
            ? $"""CREATE TRIGGER {name} {timing} ON "{table}" WHEN {when} BEGIN {sqliteBody}; END"""
            : $"""
               CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {postgresBody}; RETURN NULL; END $$;
               CREATE TRIGGER {name} {timing} ON "{table}" FOR EACH ROW WHEN ({when}) EXECUTE FUNCTION {name}();
               """);

    private static async Task ExecuteAsync(CampaignHarness h, string sql)
    {
        await using var db = await h.Contexts.CreateDbContextAsync();
        await db.Database.ExecuteSqlRawAsync(sql);
    }
}
