using Microsoft.EntityFrameworkCore;
using PushConsole.MiniProgram;
using PushConsole.Persistence;
using Quartz;

namespace PushConsole.Credentials;

public static class CredentialServiceCollectionExtensions
{
    /// <summary>
    /// The credential pool (intake, claims, inventory), the mini program users and activity it measures, session
    /// tokens, and the expiry sweep as a Quartz job. Needs the database (<c>AddPushConsoleDatabase</c>) and a
    /// <see cref="TimeProvider"/>.
    /// </summary>
    public static IServiceCollection AddCredentialPool(this IServiceCollection services, IConfiguration configuration, DatabaseOptions database)
    {
        var options = configuration.GetSection(CredentialOptions.Section).Get<CredentialOptions>() ?? new CredentialOptions();
        options.Validate();
        var miniProgram = configuration.GetSection(MiniProgramOptions.Section).Get<MiniProgramOptions>() ?? new MiniProgramOptions();
        miniProgram.Validate();

        services.AddSingleton(options);
        services.AddSingleton(miniProgram);
        services.AddSingleton(sp => ProviderStores.Credentials(database, sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton(sp => new CredentialIntake(sp.GetRequiredService<CredentialStore>(), database, options,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<CredentialIntake>>()));
        services.AddSingleton(sp => new CredentialPool(sp.GetRequiredService<CredentialStore>(),
            sp.GetRequiredService<IDbContextFactory<PushConsoleDbContext>>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new InventoryQuery(sp.GetRequiredService<CredentialStore>(),
            sp.GetRequiredService<IDbContextFactory<PushConsoleDbContext>>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<SubscriptionIntake>();
        services.AddSingleton<CredentialSweep>();
        services.AddSingleton(sp => new TallyReconciliation(sp.GetRequiredService<CredentialStore>(),
            sp.GetRequiredService<IDbContextFactory<PushConsoleDbContext>>(), sp.GetRequiredService<ILogger<TallyReconciliation>>()));
        services.AddSingleton<MiniProgramSessionTokens>();
        services.AddSingleton<MiniProgramDirectory>();
        services.AddSingleton<MiniProgramUsers>();
        services.AddSingleton<ActivityLog>();

        services.AddQuartz(q =>
        {
            q.AddJob<CredentialSweepJob>(j => j.WithIdentity(CredentialSweepJob.Key).StoreDurably()
                .WithDescription("Marks expired credentials and deletes closed rows past retention"));
            q.AddTrigger(t => t.ForJob(CredentialSweepJob.Key).WithIdentity("credential-sweep", "credentials")
                .StartAt(DateTimeOffset.UtcNow + options.SweepInterval)
                .WithSimpleSchedule(s => s.WithInterval(options.SweepInterval).RepeatForever()));
            q.AddJob<TallyReconciliationJob>(j => j.WithIdentity(TallyReconciliationJob.Key).StoreDurably()
                .WithDescription("Recounts the credential tallies behind the inventory from the rows and repairs any drift"));
            q.AddTrigger(t => t.ForJob(TallyReconciliationJob.Key).WithIdentity("credential-tally-reconciliation", "credentials")
                // Once at start-up, in the background: a database whose rows predate their tallies (an upgrade, a
                // restore, rows written by hand) gets exact figures within one recount instead of one interval.
                .StartNow()
                .WithSimpleSchedule(s => s.WithInterval(options.TallyReconcileInterval).RepeatForever()));
        });
        return services;
    }
}
