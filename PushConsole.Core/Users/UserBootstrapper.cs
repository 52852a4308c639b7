using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using PushConsole.Persistence;

namespace PushConsole.Users;

/// <summary>
/// Makes a fresh database usable: the roles exist, and with no users yet an admin is created from
/// <c>Bootstrap:AdminEmail</c>/<c>Bootstrap:AdminPassword</c>, or with a generated password printed once.
/// </summary>
public sealed class UserBootstrapper(
    UserManager<ConsoleUser> users,
    RoleManager<IdentityRole> roles,
    PushConsoleDbContext db,
    IOptions<BootstrapOptions> options,
    TimeProvider time,
    ILogger<UserBootstrapper> logger)
{
    /// <summary>An arbitrary constant naming the bootstrap's PostgreSQL advisory lock.</summary>
    private const long BootstrapLockKey = 0x5075_7368_426f_6f74; // "PushBoot"

    /// <summary>The same lock on SQL Server: an application lock (sp_getapplock) of this name.</summary>
    private const string BootstrapAppLock = "PushConsole.Bootstrap";

    public async Task EnsureAdminAsync()
    {
        // Nodes of a cluster starting together on an empty database would each create the roles and the admin; on
        // PostgreSQL and SQL Server they take turns under a session lock (the Identity stores use this context's connection).
        var postgres = db.Database.IsNpgsql();
        if (!postgres && !db.Database.IsSqlServer())
        {
            await EnsureAdminUnlockedAsync();
            return;
        }
        await db.Database.OpenConnectionAsync();
        try
        {
            if (postgres)
            {
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_lock({BootstrapLockKey})");
            }
            else
            {
                await SqlServerDatabase.TakeAppLockAsync(db.Database.GetDbConnection(), null, BootstrapAppLock,
                    transactionScoped: false, timeout: null, CancellationToken.None);
            }
            try
            {
                await EnsureAdminUnlockedAsync();
            }
            finally
            {
                if (postgres)
                {
                    await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_unlock({BootstrapLockKey})");
                }
                else
                {
                    await SqlServerDatabase.ReleaseAppLockAsync(db.Database.GetDbConnection(), BootstrapAppLock, CancellationToken.None);
                }
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private async Task EnsureAdminUnlockedAsync()
    {
        foreach (var role in Roles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                await IgnoreRaceAsync(() => roles.CreateAsync(new IdentityRole(role)));
            }
        }

        var bootstrap = options.Value;
        if (!await users.Users.AnyAsync())
        {
            var password = string.IsNullOrEmpty(bootstrap.AdminPassword) ? GeneratePassword() : bootstrap.AdminPassword;
            var admin = new ConsoleUser
            {
                UserName = bootstrap.AdminEmail, Email = bootstrap.AdminEmail, EmailConfirmed = true,
                CreatedAt = time.GetUtcNow(),
            };
            var created = await users.CreateAsync(admin, password);
            if (!created.Succeeded)
            {
                throw new ConfigurationException(
                    $"Bootstrap:AdminPassword was refused: {string.Join(" ", created.Errors.Select(e => e.Description))}");
            }
            await users.AddToRoleAsync(admin, Roles.Admin);
            if (string.IsNullOrEmpty(bootstrap.AdminPassword))
            {
                logger.LogWarning("First run: created admin {Email} with password {Password} (shown once; change it under Users).",
                    admin.Email, password);
            }
            else
            {
                logger.LogInformation("First run: created admin {Email} with the password from Bootstrap:AdminPassword.", admin.Email);
            }
        }

        if (!string.IsNullOrEmpty(bootstrap.ApiToken))
        {
            await SeedApiTokenAsync(bootstrap);
        }
    }

    private async Task SeedApiTokenAsync(BootstrapOptions bootstrap)
    {
        var hash = ApiToken.HashOf(bootstrap.ApiToken!);
        if (await db.ApiTokens.AnyAsync(t => t.Hash == hash))
        {
            return;
        }
        var admin = await users.FindByEmailAsync(bootstrap.AdminEmail)
            ?? throw new ConfigurationException($"Bootstrap:ApiToken needs the user Bootstrap:AdminEmail ('{bootstrap.AdminEmail}') to exist.");
        db.ApiTokens.Add(new ApiToken
        {
            UserId = admin.Id, Name = "bootstrap", Hash = hash,
            Prefix = bootstrap.ApiToken![..Math.Min(8, bootstrap.ApiToken!.Length)], CreatedAt = time.GetUtcNow(),
        });
        await IgnoreRaceAsync(async () => { await db.SaveChangesAsync(); return IdentityResult.Success; });
    }

    // Two nodes starting together may both try; the unique index makes the second attempt fail harmlessly.
    private static async Task IgnoreRaceAsync(Func<Task<IdentityResult>> action)
    {
        try { await action(); }
        catch (DbUpdateException) { }
    }

    private static string GeneratePassword()
    {
        const string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        var chars = Enumerable.Range(0, 16).Select(_ => alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)]);
        return new string(chars.ToArray()) + "!7a";
    }
}
