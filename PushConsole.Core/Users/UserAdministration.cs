using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace PushConsole.Users;

/// <summary>What an admin does to users: create, set role, lock/unlock, reset password, delete.</summary>
public sealed class UserAdministration(UserManager<ConsoleUser> users, Audit.AuditLog audit, ApiTokenPrincipals tokenPrincipals,
    TimeProvider time)
{
    public sealed record UserRow(string Id, string Email, string Role, bool LockedOut, DateTimeOffset? LockoutEnd, int FailedAttempts,
        DateTimeOffset CreatedAt, DateTimeOffset? LastSignInAt);

    public sealed record Outcome(bool Succeeded, string? Error)
    {
        public static readonly Outcome Ok = new(true, null);
        public static Outcome NoSuchUser => new(false, ServiceText.Get("User.Missing")) { NotFound = true };
        /// <summary>The user asked for does not exist (an API answers 404, not 400).</summary>
        public bool NotFound { get; init; }
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
        var senders = (await users.GetUsersInRoleAsync(Roles.Sender)).Select(u => u.Id).ToHashSet();
        var now = time.GetUtcNow();
        return all.Select(u => new UserRow(u.Id, u.Email ?? u.UserName ?? "",
            admins.Contains(u.Id) ? Roles.Admin : senders.Contains(u.Id) ? Roles.Sender : Roles.Editor,
            u.LockoutEnd > now, u.LockoutEnd, u.AccessFailedCount, u.CreatedAt, u.LastSignInAt)).ToList();
    }

    /// <summary>The zone the user chose for user-level times; null when none (the browser's, else UTC).</summary>
    public async Task<string?> TimeZoneOfAsync(string userId) =>
        await users.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.TimeZone).SingleOrDefaultAsync();

    /// <summary>Sets (or, with null or blank, clears) the user's own zone: an IANA id such as Asia/Shanghai.</summary>
    public async Task<Outcome> SetTimeZoneAsync(string userId, string? zone)
    {
        var trimmed = string.IsNullOrWhiteSpace(zone) ? null : zone.Trim();
        if (trimmed is not null && (trimmed.Length > ConsoleUser.MaxTimeZoneLength || Accounts.AccountCalendar.Resolve(trimmed) is null))
        {
            return new(false, ServiceText.Get("Common.UnknownZone", trimmed));
        }
        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return Outcome.NoSuchUser;
        }
        user.TimeZone = trimmed;
        return Outcome.From(await users.UpdateAsync(user));
    }

    /// <summary>Notes a successful sign-in (shown on the users page).</summary>
    public async Task SignedInAsync(ConsoleUser user)
    {
        user.LastSignInAt = time.GetUtcNow();
        await users.UpdateAsync(user);
    }

    public async Task<Outcome> CreateAsync(string email, string password, string role)
    {
        if (!Roles.All.Contains(role))
        {
            return new(false, ServiceText.Get("User.UnknownRole", role));
        }
        var user = new ConsoleUser { UserName = email.Trim(), Email = email.Trim(), EmailConfirmed = true, CreatedAt = time.GetUtcNow() };
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded)
        {
            return Outcome.From(created);
        }
        return await RecordAsync(user, Audit.AuditAction.Created, Outcome.From(await users.AddToRoleAsync(user, role)), role);
    }

    public async Task<Outcome> SetRoleAsync(string userId, string role)
    {
        if (!Roles.All.Contains(role))
        {
            return new(false, ServiceText.Get("User.UnknownRole", role));
        }
        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return Outcome.NoSuchUser;
        }
        var current = await users.GetRolesAsync(user);
        if (current.Contains(Roles.Admin) && role != Roles.Admin && await IsLastActiveAdminAsync(user))
        {
            return new(false, ServiceText.Get("User.LastAdminRole"));
        }
        var removed = await users.RemoveFromRolesAsync(user, current);
        // The user's API tokens act with the new role from their next request on.
        tokenPrincipals.Forget(user.Id);
        if (!removed.Succeeded)
        {
            return Outcome.From(removed);
        }
        var added = await users.AddToRoleAsync(user, role);
        tokenPrincipals.Forget(user.Id);
        return await RecordAsync(user, Audit.AuditAction.RoleChanged,
            added.Succeeded ? Outcome.From(await users.UpdateSecurityStampAsync(user)) : Outcome.From(added), $"{string.Join(", ", current)} → {role}");
    }

    public async Task<Outcome> SetLockedAsync(string userId, bool locked)
    {
        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return Outcome.NoSuchUser;
        }
        if (locked && await IsLastActiveAdminAsync(user))
        {
            return new(false, ServiceText.Get("User.LastAdminLock"));
        }
        if (locked)
        {
            var result = await users.SetLockoutEndDateAsync(user, DateTimeOffset.MaxValue);
            // The user's API tokens are refused from their next request on.
            tokenPrincipals.Forget(user.Id);
            return await RecordAsync(user, Audit.AuditAction.Locked,
                result.Succeeded ? Outcome.From(await users.UpdateSecurityStampAsync(user)) : Outcome.From(result));
        }
        var unlocked = await users.SetLockoutEndDateAsync(user, null);
        return await RecordAsync(user, Audit.AuditAction.Unlocked,
            unlocked.Succeeded ? Outcome.From(await users.ResetAccessFailedCountAsync(user)) : Outcome.From(unlocked));
    }

    /// <summary>
    /// Deletes the user and, with them (the foreign key cascades), their API tokens: a deleted user's token finds no
    /// row and is refused from the next request; an open session ends when the cookie is revalidated.
    /// </summary>
    public async Task<Outcome> DeleteAsync(string userId)
    {
        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return Outcome.NoSuchUser;
        }
        if (await IsLastActiveAdminAsync(user))
        {
            return new(false, ServiceText.Get("User.LastAdminDelete"));
        }
        var deleted = await users.DeleteAsync(user);
        tokenPrincipals.Forget(user.Id);
        return await RecordAsync(user, Audit.AuditAction.Deleted, Outcome.From(deleted));
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
            return Outcome.NoSuchUser;
        }
        var token = await users.GeneratePasswordResetTokenAsync(user);
        return await RecordAsync(user, Audit.AuditAction.PasswordReset, Outcome.From(await users.ResetPasswordAsync(user, token, newPassword)));
    }

    /// <summary>Records a change that went through and passes its outcome on.</summary>
    private async Task<Outcome> RecordAsync(ConsoleUser user, Audit.AuditAction action, Outcome outcome, string? detail = null)
    {
        if (outcome.Succeeded)
        {
            await audit.RecordAsync(Audit.AuditSubject.User, action, user.Id, user.Email ?? user.UserName ?? user.Id, detail: detail);
        }
        return outcome;
    }
}
