using PushConsole.Credentials;
using PushConsole.MiniProgram;
using PushConsole.Persistence;
using PushConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace PushConsole.Tests.Credentials;

/// <summary>
/// A known set of credentials, written through the Core services on a manual clock, whose inventory is worked out
/// by hand below. The clock ends at <see cref="Now"/>: 2026-11-20 12:00 in Asia/Shanghai (the account's zone).
/// </summary>
public static class InventorySeed
{
    public static readonly DateTimeOffset Now = new(2026, 11, 20, 4, 0, 0, TimeSpan.Zero);

    public static async Task SeedAsync(IServiceProvider services, int accountId, ManualTimeProvider clock)
    {
        var intake = services.GetRequiredService<CredentialIntake>();
        var pool = services.GetRequiredService<CredentialPool>();
        var users = services.GetRequiredService<MiniProgramUsers>();
        var contexts = services.GetRequiredService<IDbContextFactory<PushConsoleDbContext>>();
        var template = await TestAccounts.CreateSubscribeTemplateAsync(contexts, accountId, "TPL_SHIPPED", "Shipping notice");

        // Five days ago (2026-11-15 local): three ids that expire on the 16th (two) and the 17th (one).
        clock.AdjustTime(Now.AddDays(-5));
        await intake.ReportAsync(accountId, "old", [
            new ReportedCredential("old-a", ClientExpiry: Now.AddDays(-4)),
            new ReportedCredential("old-b", ClientExpiry: Now.AddDays(-4)),
            new ReportedCredential("old-c", ClientExpiry: Now.AddDays(-3))]);
        // The sweep runs in between: old-a and old-b are marked expired, old-c is past expiry but not yet swept.
        clock.AdjustTime(Now.AddDays(-3.5));
        await services.GetRequiredService<CredentialSweep>().RunAsync();

        clock.AdjustTime(Now);
        foreach (var known in (string[])["nobody", "one", "few", "spent", "old", "granted"])
        {
            await users.RecordLoginAsync(accountId, known, null);
        }
        await intake.ReportAsync(accountId, "one", [new ReportedCredential("one-1", ClientExpiry: Now.AddHours(10))]);
        await intake.ReportAsync(accountId, "few", [
            new ReportedCredential("few-1", ClientExpiry: Now.AddHours(30)),
            new ReportedCredential("few-2", ClientExpiry: Now.AddDays(5)),
            new ReportedCredential("few-3")]);
        await intake.ReportAsync(accountId, "many", [
            .. Enumerable.Range(1, 5).Select(i => new ReportedCredential($"many-{i}")),
            new ReportedCredential("many-pay-1", CredentialKind.PrepayId),
            new ReportedCredential("many-pay-2", CredentialKind.PrepayId)]);
        await intake.ReportAsync(accountId, "lots", [.. Enumerable.Range(1, 11).Select(i => new ReportedCredential($"lots-{i}"))]);
        await intake.ReportAsync(accountId, "spent", [new ReportedCredential("spent-1")]);
        await pool.ClaimAsync(accountId, "spent", CredentialDemand.TemplateMessage);
        await pool.AddGrantsAsync(accountId, "granted", [template.Id, template.Id]);
    }

    /// <summary>The figures worked out by hand from the seed.</summary>
    public static void AssertFigures(Inventory inventory)
    {
        Assert.Equal(Now, inventory.AsOf);
        Assert.Equal(6, inventory.KnownUsers);
        Assert.Equal(5, inventory.ReachableUsers);
        Assert.Equal([
                new KindInventory(CredentialKind.FormId, 20, 20),
                new KindInventory(CredentialKind.PrepayId, 2, 6),
                new KindInventory(CredentialKind.SubscribeGrant, 2, 2)],
            inventory.Available);
        var grants = Assert.Single(inventory.GrantsByTemplate);
        Assert.Equal(("TPL_SHIPPED", "Shipping notice", 2), (grants.WeChatTemplateId, grants.Title, grants.Grants));
        Assert.Equal(1, inventory.ExpiringWithin24Hours);
        Assert.Equal(2, inventory.ExpiringWithin48Hours);
        Assert.Equal(new UserDistribution(None: 3, One: 1, TwoToFive: 2, SixToTen: 1, MoreThanTen: 1), inventory.Distribution);
        Assert.Equal(["lots:11", "many:7", "few:3", "granted:2", "one:1"], inventory.TopUsers.Select(u => $"{u.OpenId}:{u.Credentials}"));

        Assert.Equal(InventoryQuery.DailyDays, inventory.Daily.Count);
        Assert.Equal(new DateOnly(2026, 11, 7), inventory.Daily[0].Date);
        Assert.Equal(new DateOnly(2026, 11, 20), inventory.Daily[^1].Date);
        var flows = inventory.Daily.Where(d => d.Inflow > 0 || d.Expired > 0).Select(d => $"{d.Date:MM-dd} +{d.Inflow} -{d.Expired}");
        Assert.Equal(["11-15 +3 -0", "11-16 +0 -2", "11-17 +0 -1", "11-20 +25 -0"], flows);
    }
}
