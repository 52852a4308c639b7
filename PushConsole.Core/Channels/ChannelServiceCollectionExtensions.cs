using Microsoft.Extensions.DependencyInjection.Extensions;
using PushConsole.Channels.Broadcasts;
using PushConsole.Templates;
using Quartz;

namespace PushConsole.Channels;

public static class ChannelServiceCollectionExtensions
{
    /// <summary>
    /// Channels with live-start reminders: the service, the reminder job and triggers, and the broadcast worker.
    /// Needs the database, the delivery ledger, the scheduler (AddPushScheduler) and the WeChat client (AddWeChatClient).
    /// </summary>
    public static IServiceCollection AddChannelReminders(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ChannelOptions>().Bind(configuration.GetSection(ChannelOptions.Section));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<TemplateRenderer>();
        services.AddSingleton<ChannelService>();
        services.AddSingleton<ReminderSchedule>();
        services.AddSingleton<ReminderTransitions>();
        services.AddSingleton<ReminderFiring>();
        services.AddSingleton<ReminderReconciler>();
        services.TryAddSingleton<Sending.AccountPauses>();
        services.AddSingleton<BroadcastSignal>();
        services.AddSingleton<BroadcastProgress>();
        services.AddSingleton<BroadcastRunner>();
        services.TryAddSingleton<IBroadcastGatewayFactory, WeChatBroadcastGatewayFactory>();
        services.AddQuartz(q => q.AddJob<ChannelReminderJob>(job => job
            .WithIdentity(ChannelReminderJob.Key)
            .StoreDurably()
            .WithDescription("Sends a channel's live-start reminder to the account's followers")));
        if (configuration.GetValue($"{ChannelOptions.Section}:{nameof(ChannelOptions.WorkerEnabled)}", true))
        {
            services.AddHostedService<BroadcastWorker>();
        }
        return services;
    }
}
