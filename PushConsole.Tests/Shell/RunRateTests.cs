using Bunit;
using Microsoft.Extensions.Time.Testing;
using PushConsole.Channels;
using PushConsole.Shell;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.ShellTests;

/// <summary>The current rate and finish estimate the progress bars show.</summary>
public sealed class RunRateTests : ConsoleUiTest, IClassFixture<UiHost>
{
    private static readonly DateTimeOffset Start = new(2026, 12, 8, 1, 0, 0, TimeSpan.Zero);

    /// <summary>The clock the rendered bars read.</summary>
    private readonly FakeTimeProvider barClock;

    public RunRateTests(UiHost ui) : this(ui, new FakeTimeProvider(Start)) { }

    private RunRateTests(UiHost ui, FakeTimeProvider clock) : base(ui, services: s => s.AddSingleton<TimeProvider>(clock)) => barClock = clock;

    [Fact]
    public void The_rate_is_over_the_last_ten_seconds_not_since_the_start()
    {
        var clock = new FakeTimeProvider(Start);
        var rate = new RunRate(clock);
        rate.Add(0);
        Assert.Null(rate.Estimate(1_000));

        // 100/s for a minute, then 10/s: ten seconds later the bar says 10/s, not the average since the start.
        for (var second = 1; second <= 60; second++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            rate.Add(second * 100);
        }
        for (var second = 1; second <= 10; second++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            rate.Add(6_000 + second * 10);
        }
        var estimate = rate.Estimate(600)!;

        Assert.Equal(10, estimate.PerSecond, 3);
        Assert.Equal(TimeSpan.FromSeconds(60), estimate.Left);
        Assert.Equal(Start.AddSeconds(70 + 60), estimate.FinishAt);
    }

    [Fact]
    public void A_run_that_sent_nothing_in_the_window_has_no_finish_and_a_recount_starts_over()
    {
        var clock = new FakeTimeProvider(Start);
        var rate = new RunRate(clock);
        rate.Add(500);
        clock.Advance(TimeSpan.FromSeconds(12));
        rate.Add(500);
        Assert.Equal(new RunEstimate(0, null, null), rate.Estimate(100));

        rate.Add(20);
        Assert.Null(rate.Estimate(100));
    }

    [Theory]
    [InlineData(ConsoleCultures.English, "50.0/s · about 00:00:08 left, done by 2026-12-08 09:00 (Asia/Shanghai)")]
    [InlineData(ConsoleCultures.Chinese, "50.0 条/秒 · 预计还需 00:00:08，约 2026-12-08 09:00 (Asia/Shanghai) 完成")]
    public void A_broadcast_bar_shows_the_current_rate_and_the_finish_in_the_accounts_zone(string culture, string expected)
    {
        UseCulture(culture);
        var clock = barClock;
        var bar = Render<BroadcastBar>(p => p.Add(b => b.ChannelId, 7).Add(b => b.TimeZone, "Asia/Shanghai")
            .Add(b => b.Counts, new BroadcastCounts(1, 100, 0, 0, 900, 0, 100, 1_000, false)));
        Assert.Empty(bar.FindAll("#rate-7"));

        clock.Advance(TimeSpan.FromSeconds(10));
        bar.Render(p => p.Add(b => b.Counts, new BroadcastCounts(1, 600, 0, 0, 400, 0, 600, 1_000, false)));

        Assert.Equal(expected, bar.Find("#rate-7").TextContent.Trim());
        Assert.Empty(Texts.Missing);
    }
}
