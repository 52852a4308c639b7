namespace PushConsole.Credentials;

/// <summary>The <c>Credentials</c> section: the pool's sweep, retention and intake batching.</summary>
public sealed class CredentialOptions
{
    public const string Section = "Credentials";

    /// <summary>
    /// How often the sweep marks expired credentials and deletes old closed rows. The inventory reads the open rows
    /// already past their expiry (to stay exact between sweeps), so this bounds what each dashboard refresh reads: a
    /// minute of expiries is about a thousand rows at 10,000,000 credentials a week; twenty minutes was twenty thousand.
    /// </summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Days used, expired and invalid credentials (and activity events) are kept after they close. The 14-day
    /// charts read these rows, so values under 14 shorten what the charts can show.
    /// </summary>
    public int RetentionDays { get; set; } = 30;

    /// <summary>How often the credential tallies are recounted from the rows and any drift is reported and repaired.</summary>
    public TimeSpan TallyReconcileInterval { get; set; } = TimeSpan.FromHours(6);

    /// <summary>How often the Credentials dashboard re-reads the inventory while open.</summary>
    public TimeSpan DashboardRefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Concurrent intake transactions; SQLite has one writer, PostgreSQL gains from a few.</summary>
    public int? IntakeWriters { get; set; }

    /// <summary>Most rows one group commit carries; a larger batch delays every request in it.</summary>
    public int MaxBatchRows { get; set; } = 4000;

    public void Validate()
    {
        if (SweepInterval < TimeSpan.FromSeconds(1))
        {
            throw new ConfigurationException("Credentials:SweepInterval must be at least one second.");
        }
        if (TallyReconcileInterval < TimeSpan.FromSeconds(1))
        {
            throw new ConfigurationException("Credentials:TallyReconcileInterval must be at least one second.");
        }
        if (RetentionDays < 1)
        {
            throw new ConfigurationException("Credentials:RetentionDays must be at least 1.");
        }
        if (DashboardRefreshInterval < TimeSpan.FromMilliseconds(200))
        {
            throw new ConfigurationException("Credentials:DashboardRefreshInterval must be at least 200 ms.");
        }
        if (IntakeWriters is < 1 or > 64)
        {
            throw new ConfigurationException("Credentials:IntakeWriters must be between 1 and 64.");
        }
        if (MaxBatchRows < 1)
        {
            throw new ConfigurationException("Credentials:MaxBatchRows must be at least 1.");
        }
    }
}
