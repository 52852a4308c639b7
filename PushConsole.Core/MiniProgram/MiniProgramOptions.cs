namespace PushConsole.MiniProgram;

/// <summary>The <c>MiniProgram</c> section: session tokens and per-user limits of the mini program endpoint.</summary>
public sealed class MiniProgramOptions
{
    public const string Section = "MiniProgram";

    /// <summary>How long a session token from login is accepted; the kit logs in again shortly before.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(2);

    /// <summary>Requests one user may burst (token bucket size), per app.</summary>
    public int RequestBurst { get; set; } = 30;

    /// <summary>Requests one user regains per <see cref="RequestWindow"/>.</summary>
    public int RequestsPerWindow { get; set; } = 30;

    public TimeSpan RequestWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Largest request body accepted; 100 ids of 128 characters with their fields fit well within it.</summary>
    public int MaxBodyBytes { get; set; } = 32 * 1024;

    /// <summary>
    /// Anonymous logins one client address may make per <see cref="LoginWindow"/>: each costs a jscode2session call
    /// made with the AppSecret, so strangers must not be able to drive them at will.
    /// </summary>
    public int LoginsPerAddress { get; set; } = 30;

    /// <summary>Anonymous logins per app (all addresses together) per <see cref="LoginWindow"/>.</summary>
    public int LoginsPerApp { get; set; } = 3_000;

    public TimeSpan LoginWindow { get; set; } = TimeSpan.FromMinutes(1);

    public void Validate()
    {
        if (LoginsPerAddress < 1 || LoginsPerApp < 1 || LoginWindow < TimeSpan.FromSeconds(1))
        {
            throw new ConfigurationException("MiniProgram:LoginsPerAddress and LoginsPerApp must be positive and MiniProgram:LoginWindow at least one second.");
        }
        if (SessionLifetime < TimeSpan.FromMinutes(1))
        {
            throw new ConfigurationException("MiniProgram:SessionLifetime must be at least one minute.");
        }
        if (RequestBurst < 1 || RequestsPerWindow < 1 || RequestWindow <= TimeSpan.Zero)
        {
            throw new ConfigurationException("MiniProgram:RequestBurst, RequestsPerWindow and RequestWindow must be positive.");
        }
        if (MaxBodyBytes < 1024)
        {
            throw new ConfigurationException("MiniProgram:MaxBodyBytes must be at least 1024.");
        }
    }
}
