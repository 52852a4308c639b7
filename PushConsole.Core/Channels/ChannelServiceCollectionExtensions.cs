using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using PushConsole.Sending;
using PushConsole.Templates;
using Quartz;

namespace PushConsole.Channels;

public static class ChannelServiceCollectionExtensions
{
    /// <summary>
    /// Channels with live-start reminders: the service, the reminder job and triggers, and the reminder's run on the one
    /// send engine. Needs the database, the delivery ledger, the scheduler (AddPushScheduler) and the engine (AddCampaigns).
    /// </summary>
    public static IServiceCollection AddChannelReminders(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<TemplateRenderer>();
        services.AddSingleton<ChannelService>();
        services.AddSingleton<ReminderSchedule>();
        services.AddSingleton<ReminderTransitions>();
        services.AddSingleton<ReminderFiring>();
        services.AddSingleton<ReminderReconciler>();
        services.AddSingleton<BroadcastProgress>();
        services.AddSingleton<ChannelRuns>();
        services.AddSingleton<IRunOwner>(sp => sp.GetRequiredService<ChannelRuns>());
        services.AddHostedService<ReminderStartup>();
        services.AddQuartz(q => q.AddJob<ChannelReminderJob>(job => job
            .WithIdentity(ChannelReminderJob.Key)
            .StoreDurably()
            .WithDescription("Sends a channel's live-start reminder to the account's followers")));
        return services;
    }
}

/// <summary>
/// At start-up: puts back reminder triggers a crash lost (<see cref="ReminderReconciler"/>) and starts the run of every
/// notifying channel (<see cref="ChannelRuns.ResumeNotifyingAsync"/>). In the background, so the host is not held up.
/// </summary>
internal sealed class ReminderStartup(ReminderReconciler reconciler, ChannelRuns runs, ILogger<ReminderStartup> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            await reconciler.ReconcileAsync(stoppingToken);
            await runs.ResumeNotifyingAsync(stoppingToken);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            logger.LogError(e, "Reconciling reminders at start-up failed; notifying channels resume with their runs");
        }
    }
}
