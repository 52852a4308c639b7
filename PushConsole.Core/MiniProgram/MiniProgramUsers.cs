using Microsoft.EntityFrameworkCore;
using PushConsole.Persistence;

namespace PushConsole.MiniProgram;

/// <summary>Records who logged in, the audience the inventory's "users" and "0 credentials" figures count.</summary>
public sealed class MiniProgramUsers(IDbContextFactory<PushConsoleDbContext> contexts, TimeProvider time)
{
    public async Task RecordLoginAsync(int accountId, string openId, string? unionId, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var changed = await db.MiniProgramUsers.Where(u => u.AccountId == accountId && u.OpenId == openId)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.LastLoginAt, now)
                .SetProperty(u => u.UnionId, u => unionId ?? u.UnionId), cancellationToken);
        if (changed > 0)
        {
            return;
        }
        // The login row and the holder tally's "known" mark (the inventory's "0 credentials" figure) in one transaction.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.MiniProgramUsers.Add(new MiniProgramUser
        {
            AccountId = accountId, OpenId = openId, UnionId = unionId, FirstSeenAt = now, LastLoginAt = now,
        });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            await Credentials.TallyWriter.KnownAsync(db, accountId, openId, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Two logins of a new user at once: the other one inserted the row (and its mark), which is all that was
            // needed. The failed transaction is rolled back first: PostgreSQL refuses any statement in it.
            await transaction.RollbackAsync(cancellationToken);
            if (!await db.MiniProgramUsers.AnyAsync(u => u.AccountId == accountId && u.OpenId == openId, cancellationToken))
            {
                throw;
            }
        }
    }
}
