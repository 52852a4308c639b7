using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace PushConsole.Users;

/// <summary>What an admin does to users: create, set role, lock/unlock, reset password.</summary>
public sealed class UserAdministration(UserManager<ConsoleUser> users, TimeProvider time)
{
    public sealed record UserRow(string Id, string Email, string Role, bool LockedOut, DateTimeOffset? LockoutEnd, int FailedAttempts);

    public sealed record Outcome(bool Succeeded, string? Error)
    {
        public static readonly Outcome Ok = new(true, null);
        public static Outcome From(IdentityResult result) =>
            result.Succeeded ? Ok : new(false, string.Join(" ", result.Errors.Select(e => e.Description)));
    }

    /// <summary>
    /// Locked by an admin (lockout until the end of time), as opposed to locked out for a while after wrong passwords:
    /// only the first stops the user's API tokens and open sessions, since anyone can cause the second.
    /// </summary>
    public static bool IsDisabled(ConsoleUser user) => user.LockoutEnd?.Year >= 9999; // MaxValue, as precise as the database keeps it

    public async Task<IReadOnlyList<UserRow>> ListAsync()
    {
        var all = await users.Users.AsNoTracking().OrderBy(u => u.Email).ToListAsync();
        var admins = (await users.GetUsersInRoleAsync(Roles.Admin)).Select(u => u.Id).ToHashSet();
        var now = time.GetUtcNow();
        return all.Select(u => new UserRow(u.Id, u.Email ?? u.UserName ?? "", admins.Contains(u.Id) ? Roles.Admin : Roles.Editor,
            u.LockoutEnd > now, u.LockoutEnd, u.AccessFailedCount)).ToList();
    }

    public async Task<Outcome> CreateAsync(string email, string password, string role)
    {
        if (!Roles.All.Contains(role))
        {
            return new(false, $"Unknown role '{role}'.");
        }
        var user = new ConsoleUser { UserName = email.Trim(), Email = email.Trim(), EmailConfirmed = true, CreatedAt = time.GetUtcNow() };
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded)
        {
            return Outcome.From(created);
        }
        return Outcome.From(await users.AddToRoleAsync(user, role));
    }

    public async Task<Outcome> SetRoleAsync(string userId, string role)
    {
        if (!Roles.All.Contains(role))
        {
            return new(false, $"Unknown role '{role}'.");
        }
        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return new(false, "No such user.");
        }
        var current = await users.GetRolesAsync(user);
        if (current.Contains(Roles.Admin) && role != Roles.Admin && await IsLastActiveAdminAsync(user))
        {
            return new(false, "The last active admin cannot lose the Admin role: make another user admin first.");
        }
        var removed = await users.RemoveFromRolesAsync(user, current);
        if (!removed.Succeeded)
        {
            return Outcome.From(removed);
        }
        var added = await users.AddToRoleAsync(user, role);
        return added.Succeeded ? Outcome.From(await users.UpdateSecurityStampAsync(user)) : Outcome.From(added);
    }

    public async Task<Outcome> SetLockedAsync(string userId, bool locked)
    {
        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return new(false, "No such user.");
        }
        if (locked && await IsLastActiveAdminAsync(user))
        {
            return new(false, "The last active admin cannot be locked: make another user admin first.");
        }
        if (locked)
        {
            var result = await users.SetLockoutEndDateAsync(user, DateTimeOffset.MaxValue);
            return result.Succeeded ? Outcome.From(await users.UpdateSecurityStampAsync(user)) : Outcome.From(result);
        }
        var unlocked = await users.SetLockoutEndDateAsync(user, null);
        return unlocked.Succeeded ? Outcome.From(await users.ResetAccessFailedCountAsync(user)) : Outcome.From(unlocked);
    }

    /// <summary>Whether <paramref name="user"/> is an admin and no other admin is left who is not locked by an admin.</summary>
    private async Task<bool> IsLastActiveAdminAsync(ConsoleUser user)
    {
        var admins = await users.GetUsersInRoleAsync(Roles.Admin);
        return admins.Any(a => a.Id == user.Id) && !admins.Any(a => a.Id != user.Id && !IsDisabled(a));
    }

    public async Task<Outcome> ResetPasswordAsync(string userId, string newPassword)
    {
        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return new(false, "No such user.");
        }
        var token = await users.GeneratePasswordResetTokenAsync(user);
        return Outcome.From(await users.ResetPasswordAsync(user, token, newPassword));
    }
}
