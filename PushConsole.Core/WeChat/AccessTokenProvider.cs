using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using PushConsole.Accounts;

namespace PushConsole.WeChat;

/// <summary>
/// Access tokens of every app this node sends for. Sends read the token from memory; only a refresh touches the
/// database and WeChat. Within a node one refresh per app runs at a time (concurrent callers join it); across nodes
/// a lease row in the database lets one node fetch while the others wait for the token it stores, because each
/// cgi-bin/token call supersedes the previous token and both endpoints have daily quotas.
/// </summary>
internal sealed class AccessTokenProvider
{
    private readonly ConcurrentDictionary<string, Slot> slots = new(StringComparer.Ordinal);
    private readonly string node = $"{Environment.MachineName}/{Guid.NewGuid():N}";
    private long fetchNumber;
    private readonly AccessTokenStore store;
    private readonly AccessTokenFetcher fetcher;
    private readonly IDataProtector protector;
    private readonly TimeProvider time;
    private readonly WeChatClientOptions options;
    private readonly ILogger<AccessTokenProvider> logger;

    public const string ProtectionPurpose = "PushConsole.WeChat.AccessToken.v1";

    public AccessTokenProvider(AccessTokenStore store, AccessTokenFetcher fetcher, IDataProtectionProvider protection,
        TimeProvider time, IOptions<WeChatClientOptions> options, ILogger<AccessTokenProvider> logger)
    {
        this.store = store;
        this.fetcher = fetcher;
        protector = protection.CreateProtector(ProtectionPurpose);
        this.time = time;
        this.options = options.Value;
        this.logger = logger;
    }

    /// <summary>
    /// A token to call WeChat with. <paramref name="rejectedVersion"/> is a token WeChat just refused: it is not
    /// handed out again, even if a refresh that started before the refusal brings it back.
    /// </summary>
    public async ValueTask<TokenResult> GetAsync(WeChatAccount account, long? rejectedVersion, CancellationToken cancellationToken)
    {
        var slot = slots.GetOrAdd(account.AppId, static _ => new Slot());
        var current = slot.Current;
        if (current is not null && current.Version != rejectedVersion)
        {
            var now = time.GetUtcNow();
            if (now < current.RefreshAt)
            {
                return new TokenResult(current, null);
            }
            if (now < current.UsableUntil)
            {
                // Refresh in the background and keep sending with the current token meanwhile.
                _ = RefreshAsync(slot, account, current.Version);
                return new TokenResult(current, null);
            }
        }
        var result = await RefreshAsync(slot, account, current?.Version ?? rejectedVersion).WaitAsync(cancellationToken);
        if (rejectedVersion is not null && result.Token?.Version == rejectedVersion)
        {
            result = await RefreshAsync(slot, account, rejectedVersion).WaitAsync(cancellationToken);
        }
        return result;
    }

    /// <summary>
    /// Forgets a token WeChat refused, in memory and in the database, but only if it is still the current one: another
    /// caller may already have replaced it, and clearing the newer token would cost a needless fetch.
    /// </summary>
    public async Task InvalidateAsync(WeChatAccount account, AccessToken token)
    {
        // Of many concurrent callers refused with the same token, the one that clears it here clears it in the
        // database too; the others have nothing left to do.
        var clearedHere = true;
        if (slots.TryGetValue(account.AppId, out var slot))
        {
            lock (slot.Gate)
            {
                clearedHere = slot.Current?.Version == token.Version;
                if (clearedHere)
                {
                    slot.Current = null;
                }
            }
        }
        if (!clearedHere)
        {
            return;
        }
        try
        {
            await store.InvalidateAsync(account.AppId, token.Version, CancellationToken.None);
        }
        catch (Exception e)
        {
            // The refresh that follows does not depend on it: it refuses the rejected version anyway.
            logger.LogWarning(e, "Could not clear the rejected access token of {AppId} in the database", account.AppId);
        }
    }

    /// <summary>Fetches a new token from WeChat even if a good one is stored ("test connection"), and shares it.</summary>
    public async Task<TokenResult> FetchNewAsync(WeChatAccount account, CancellationToken cancellationToken)
    {
        var slot = slots.GetOrAdd(account.AppId, static _ => new Slot());
        var result = await CoordinatedFetchAsync(account, staleVersion: null, force: true, cancellationToken);
        Remember(slot, result);
        return result;
    }

    private Task<TokenResult> RefreshAsync(Slot slot, WeChatAccount account, long? staleVersion)
    {
        TaskCompletionSource<TokenResult> refresh;
        lock (slot.Gate)
        {
            if (slot.Refreshing is { } running)
            {
                return running;
            }
            if (slot.Failure is { } failure && time.GetUtcNow() < failure.Until)
            {
                return Task.FromResult(TokenResult.Failed(failure.Error));
            }
            refresh = new TaskCompletionSource<TokenResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            slot.Refreshing = refresh.Task;
        }
        _ = RunRefreshAsync(slot, account, staleVersion, refresh);
        return refresh.Task;
    }

    // Shared by every caller that joined, so it runs to its own timeouts rather than any one caller's cancellation.
    private async Task RunRefreshAsync(Slot slot, WeChatAccount account, long? staleVersion, TaskCompletionSource<TokenResult> refresh)
    {
        TokenResult result;
        try
        {
            result = await CoordinatedFetchAsync(account, staleVersion, force: false, CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Refreshing the access token of {AppId} failed", account.AppId);
            result = TokenResult.Failed(WeChatError.Transient($"refreshing the access token failed: {e.Message}"));
        }
        Remember(slot, result, refreshDone: true);
        refresh.SetResult(result);
    }

    private void Remember(Slot slot, TokenResult result, bool refreshDone = false)
    {
        lock (slot.Gate)
        {
            // Together with the new token, so no caller sees neither a refresh running nor its token.
            if (refreshDone)
            {
                slot.Refreshing = null;
            }
            if (result.Token is { } token)
            {
                if (slot.Current is null || token.Version >= slot.Current.Version)
                {
                    slot.Current = token;
                }
                slot.Failure = null;
            }
            else if (result.Error is { Kind: WeChatErrorKind.Configuration or WeChatErrorKind.QuotaExceeded } error
                     && options.TokenFailureHold > TimeSpan.Zero)
            {
                slot.Failure = new HeldFailure(error, time.GetUtcNow() + options.TokenFailureHold);
            }
        }
    }

    /// <summary>
    /// The cluster protocol: adopt a fresh token another node stored; otherwise take the app's lease, fetch from
    /// WeChat and store; while another node holds the lease, poll for its token (taking over if its lease expires).
    /// </summary>
    private async Task<TokenResult> CoordinatedFetchAsync(WeChatAccount account, long? staleVersion, bool force, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + options.TokenWaitTimeout;
        var holder = $"{node}/{Interlocked.Increment(ref fetchNumber)}";
        while (true)
        {
            var now = time.GetUtcNow();
            var row = await store.ReadAsync(account.AppId, cancellationToken);
            if (!force && Adoptable(row, staleVersion, now) is { } stored)
            {
                return new TokenResult(stored, null);
            }
            if (await store.TryLeaseAsync(account.AppId, holder, now, now + options.TokenLeaseDuration, row is not null, cancellationToken))
            {
                return await FetchUnderLeaseAsync(account, holder, staleVersion, force, cancellationToken);
            }
            if (now >= deadline)
            {
                return TokenResult.Failed(WeChatError.Transient(
                    $"no access token after {options.TokenWaitTimeout.TotalSeconds:0} s of waiting for another node's fetch"));
            }
            await Task.Delay(options.TokenPollInterval, time, cancellationToken);
        }
    }

    private async Task<TokenResult> FetchUnderLeaseAsync(WeChatAccount account, string holder, long? staleVersion, bool force, CancellationToken cancellationToken)
    {
        var leaseFreed = false;
        try
        {
            // Another node may have stored a token between our read and our lease.
            var row = await store.ReadAsync(account.AppId, cancellationToken);
            var fetchedAt = time.GetUtcNow();
            if (!force && Adoptable(row, staleVersion, fetchedAt) is { } stored)
            {
                return new TokenResult(stored, null);
            }
            var attempt = await fetcher.FetchAsync(account, cancellationToken);
            if (attempt.Error is { } error)
            {
                logger.LogWarning("WeChat refused an access token for {AppId}: {Error}", account.AppId, error);
                return TokenResult.Failed(error);
            }
            var reply = attempt.Reply!;
            // Lifetime counted from before the request: the token may be a little older than the answer.
            var token = new AccessToken(reply.AccessToken!, (row?.Version ?? 0) + 1, fetchedAt,
                fetchedAt + TimeSpan.FromSeconds(reply.ExpiresIn), options.TokenRefreshAhead);
            leaseFreed = await store.SaveAsync(account.AppId, holder, protector.Protect(token.Value), token.FetchedAt,
                token.ExpiresAt, token.Version, CancellationToken.None);
            if (!leaseFreed)
            {
                logger.LogWarning("The token lease of {AppId} expired before the fetched token was stored; other nodes will fetch their own", account.AppId);
            }
            logger.LogInformation("Fetched a new access token for {AppId} (version {Version}, expires in {ExpiresIn} s)",
                account.AppId, token.Version, reply.ExpiresIn);
            return new TokenResult(token, null);
        }
        finally
        {
            if (!leaseFreed)
            {
                await store.ReleaseAsync(account.AppId, holder, CancellationToken.None);
            }
        }
    }

    /// <summary>The stored token, if it is not the stale one and not yet due for refresh.</summary>
    private AccessToken? Adoptable(StoredAccessToken? row, long? staleVersion, DateTimeOffset now)
    {
        if (row is not { TokenCipher: { } cipher, FetchedAt: { } fetchedAt, ExpiresAt: { } expiresAt } || row.Version == staleVersion)
        {
            return null;
        }
        string value;
        try
        {
            value = protector.Unprotect(cipher);
        }
        catch (CryptographicException e)
        {
            logger.LogWarning(e, "The stored access token of {AppId} cannot be decrypted; fetching a new one", row.AppId);
            return null;
        }
        var token = new AccessToken(value, row.Version, fetchedAt, expiresAt, options.TokenRefreshAhead);
        return now < token.RefreshAt ? token : null;
    }

    private sealed class Slot
    {
        public readonly Lock Gate = new();
        public volatile AccessToken? Current;
        public Task<TokenResult>? Refreshing;
        public HeldFailure? Failure;
    }

    private sealed record HeldFailure(WeChatError Error, DateTimeOffset Until);
}
