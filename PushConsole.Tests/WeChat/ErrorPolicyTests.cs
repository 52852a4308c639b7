using System.Text.RegularExpressions;
using PushConsole.Accounts;
using PushConsole.Campaigns;
using PushConsole.Ledger;
using PushConsole.Persistence;
using PushConsole.Sending;
using PushConsole.Simulator;
using PushConsole.Tests.Campaigns;
using PushConsole.WeChat;
using RunStatus = PushConsole.Ledger.RunStatus;

namespace PushConsole.Tests.WeChat;

/// <summary>The one WeChat error policy, row by row, against the simulator's fault injection.</summary>
public partial class ErrorPolicyTests
{
    /// <summary>Each rule of the table with an errcode the simulator answers it with.</summary>
    public static TheoryData<int, ErrorAction> Rows()
    {
        var rows = new TheoryData<int, ErrorAction>();
        foreach (var rule in WeChatErrorPolicy.Rules)
        {
            // "any other errcode": one WeChat has no meaning for.
            var code = rule.Kind == WeChatErrorKind.Other ? 99999 : int.Parse(FirstCode().Match(rule.ErrCodes).Value, System.Globalization.CultureInfo.InvariantCulture);
            rows.Add(code, rule.Action);
        }
        return rows;
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task Each_errcode_of_the_table_does_what_the_table_says_in_a_run(int errCode, ErrorAction action)
    {
        await using var h = await CampaignHarness.StartAsync(DatabaseProvider.Sqlite, new Dictionary<string, string?>
        {
            ["Sending:MinuteLimitBackoff"] = "00:00:00.100",
        });
        // A run that holds or fails must stop before its second send: one send a second keeps the others waiting
        // while the first answer is judged. The other rows send all three, which need not wait that long.
        var account = await h.AccountAsync(ratePerSecond: action is ErrorAction.HoldAccount or ErrorAction.FailRun ? 1 : 20);
        var template = await h.TemplateAsync(account);
        var users = await h.UsersWithFormIdsAsync(account, 3, formIds: 2);
        // The first send of the run gets the errcode, the rest go through.
        h.Sim.AddFault(new FaultSpec { AppId = account.AppId, Api = "wxopen_template_send", Errcode = errCode, Count = 1 });
        var campaign = await h.CampaignAsync(account, template, AudienceKind.UsableCredential);
        var pauses = h.Services.GetRequiredService<AccountPauses>();

        var run = await h.FireAsync(campaign);
        var executing = h.ExecuteAsync(run);
        while (!executing.IsCompleted)
        {
            // The console's clock stands still in tests: a pause ends when the test moves it.
            if (pauses.Remaining(account.Id) > TimeSpan.Zero)
            {
                h.Clock.Advance(TimeSpan.FromMilliseconds(100));
            }
            await Task.WhenAny(executing, Task.Delay(10));
        }
        var execution = await executing;
        var stored = await h.RunAsync(run.Id);
        var rows = (await h.DeliveriesAsync(run.Id)).Values.ToList();

        switch (action)
        {
            case ErrorAction.Retry or ErrorAction.RefreshToken or ErrorAction.NextCredential or ErrorAction.PauseAccount:
                CampaignHarness.AssertCompleted(execution);
                Assert.All(rows, r => Assert.Equal(DeliveryStatus.Sent, r.Status));
                Assert.All(users, u => Assert.Equal(1, h.InboxCount(account, u)));
                break;
            case ErrorAction.FailRecipient:
                CampaignHarness.AssertCompleted(execution);
                var failed = Assert.Single(rows, r => r.Status == DeliveryStatus.Failed);
                Assert.Equal(errCode, failed.ErrCode);
                Assert.Equal(2, rows.Count(r => r.Status == DeliveryStatus.Sent));
                Assert.Equal(0, h.InboxCount(account, failed.Recipient));
                break;
            case ErrorAction.HoldAccount:
                Assert.Equal(RunStatus.Held, stored.Status);
                Assert.Equal(AccountCalendar.Of(account).NextMidnight(h.Clock.GetUtcNow()), stored.HeldUntil);
                Assert.Contains(errCode.ToString(System.Globalization.CultureInfo.InvariantCulture), stored.StatusReason);
                Assert.Contains(rows, r => r.Status == DeliveryStatus.Pending);
                break;
            case ErrorAction.FailRun:
                Assert.Equal(RunStatus.Failed, stored.Status);
                Assert.Contains(errCode.ToString(System.Globalization.CultureInfo.InvariantCulture), stored.StatusReason);
                Assert.DoesNotContain(rows, r => r.Status == DeliveryStatus.Sent && r.ErrCode == errCode);
                break;
            default:
                Assert.Fail($"No check for {action}.");
                break;
        }
    }

    [Fact]
    public void The_documented_table_is_the_table_the_runs_use()
    {
        var doc = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "error-policy.md"));
        var lines = doc.Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal)).ToList();
        foreach (var rule in WeChatErrorPolicy.Rules)
        {
            Assert.Contains(lines, l => l.Contains($"| {rule.ErrCodes} |", StringComparison.Ordinal)
                && l.Contains($"| {rule.Kind} |", StringComparison.Ordinal) && l.Contains($"**{rule.Action}**", StringComparison.Ordinal));
        }
        // The header and one line per rule: nothing documented that the runs do not do.
        Assert.Equal(WeChatErrorPolicy.Rules.Count + 1, lines.Count);
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "PushConsole.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException("The repository root was not found above the test binaries.");
    }

    [GeneratedRegex(@"-?\d+")]
    private static partial Regex FirstCode();
}
