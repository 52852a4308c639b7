using Microsoft.EntityFrameworkCore;
using PushConsole.Credentials;
using PushConsole.MiniProgram;
using PushConsole.Persistence;
using PushConsole.Tests.Infrastructure;
using Quartz;

namespace PushConsole.Tests.Credentials;

public class CredentialSweepTests
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task The_sweep_marks_credentials_past_expiry_as_expired_at_their_expiry_and_leaves_the_rest(DatabaseProvider provider)
    {
        await using var pool = await TestPool.CreateAsync(provider);
        var now = pool.Clock.GetUtcNow();
        await pool.ReportAsync("user",
            new ReportedCredential("one-day", ClientExpiry: now.AddDays(1)),
            new ReportedCredential("three-days", ClientExpiry: now.AddDays(3)));

        pool.Clock.Advance(TimeSpan.FromDays(2));
        var result = await pool.Sweep.RunAsync();

        Assert.Equal(1, result.Expired);
        var rows = (await pool.RowsAsync()).ToDictionary(r => r.Value!);
        Assert.Equal((CredentialStatus.Expired, now.AddDays(1)), (rows["one-day"].Status, rows["one-day"].ClosedAt));
        Assert.Equal(CredentialStatus.Available, rows["three-days"].Status);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [ProviderData(DatabaseProvider.SqlServer)]
    public async Task Retention_deletes_closed_credentials_and_events_older_than_the_configured_days(DatabaseProvider provider)
    {
        await using var pool = await TestPool.CreateAsync(provider, new Dictionary<string, string?> { ["Credentials:RetentionDays"] = "10" });
        var activity = pool.Services.GetRequiredService<ActivityLog>();
        var start = pool.Clock.GetUtcNow();
        await pool.ReportAsync("user",
            new ReportedCredential("unused"),
            new ReportedCredential("expires-day-1", ClientExpiry: start.AddDays(1)),
            new ReportedCredential("used-late", ClientExpiry: start.AddDays(6)),
            new ReportedCredential("still-usable", ClientExpiry: start.AddDays(7)));
        await activity.RecordAsync(pool.AccountId, "user", "checkin");
        await pool.Pool.ClaimAsync(pool.AccountId, "user", CredentialDemand.TemplateMessage); // expires-day-1 (earliest), closed on day 0
        pool.Clock.Advance(TimeSpan.FromDays(5));
        await pool.Pool.ClaimAsync(pool.AccountId, "user", CredentialDemand.TemplateMessage); // used-late, closed on day 5
        await activity.RecordAsync(pool.AccountId, "user", "checkin");

        // Day 12: "expires-day-1" closed on day 0, past 10 days; "used-late" closed on day 5, kept.
        pool.Clock.AdjustTime(start.AddDays(12));
        var result = await pool.Sweep.RunAsync();

        Assert.Equal(1, result.DeletedCredentials);
        Assert.Equal(1, result.DeletedEvents);
        var rows = (await pool.RowsAsync()).ToDictionary(r => r.Value!, r => r.Status);
        Assert.Equal(["still-usable", "unused", "used-late"], rows.Keys.Order());
        Assert.Equal(CredentialStatus.Expired, rows["still-usable"]);
        await using var db = await pool.Contexts.CreateDbContextAsync();
        Assert.Equal(1, await db.ActivityEvents.CountAsync());

        // Day 18: everything closed is past retention (expiries on day 7 for the last two).
        pool.Clock.AdjustTime(start.AddDays(18));
        await pool.Sweep.RunAsync();
        Assert.Empty(await pool.RowsAsync());
    }

    [Fact]
    public async Task The_sweep_job_is_scheduled_at_the_configured_interval()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite, new Dictionary<string, string?>
        {
            ["Credentials:SweepInterval"] = "00:07:00",
        });
        var scheduler = await host.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();

        var triggers = await scheduler.GetTriggersOfJob(CredentialSweepJob.Key);

        var trigger = Assert.IsAssignableFrom<ISimpleTrigger>(Assert.Single(triggers));
        Assert.Equal(TimeSpan.FromMinutes(7), trigger.RepeatInterval);
    }

    [Fact]
    public async Task The_sweep_job_runs_the_sweep()
    {
        await using var host = await ConsoleHost.StartAsync(DatabaseProvider.Sqlite, new Dictionary<string, string?>
        {
            ["Credentials:SweepInterval"] = "00:00:01",
        });
        var contexts = host.Contexts();
        var account = await TestAccounts.CreateMiniProgramAsync(contexts, "wxsweepjob0000001");
        await using (var db = await contexts.CreateDbContextAsync())
        {
            var credential = new Credential
            {
                AccountId = account.Id, OpenId = "user", Kind = CredentialKind.FormId, Value = "already-past", UsesLeft = 1,
                Status = CredentialStatus.Available, ReceivedAt = DateTimeOffset.UtcNow.AddDays(-8), ExpiresAt = DateTimeOffset.UtcNow.AddDays(-1),
            };
            db.Credentials.Add(credential);
            await db.SaveChangesAsync();
            // In the pool, as the intake would have put it.
            db.AvailableCredentials.Add(new AvailableCredential
            {
                CredentialId = credential.Id, AccountId = account.Id, OpenId = "user", ExpiresAt = credential.ExpiresAt,
            });
            await db.SaveChangesAsync();
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        CredentialStatus status;
        do
        {
            await Task.Delay(200);
            await using var db = await contexts.CreateDbContextAsync();
            status = await db.Credentials.Select(c => c.Status).SingleAsync();
        } while (status != CredentialStatus.Expired && DateTime.UtcNow < deadline);

        Assert.Equal(CredentialStatus.Expired, status);
    }
}
