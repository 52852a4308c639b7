namespace PushConsole.Campaigns;

/// <summary>
/// Stands in for the credential pool until it is part of the build: campaigns that need credentials or the
/// credential-based audiences fail their run with this message instead of sending anything.
/// Official account campaigns to an uploaded list need neither and work without it.
/// </summary>
internal sealed class CredentialPoolMissing : ICredentialSource, IAudienceDirectory
{
    private const string Message = "The credential pool is not installed in this build.";

    public Task<IReadOnlyList<HeldCredential>> ClaimAsync(int accountId, IReadOnlyCollection<string> openIds, CredentialNeed need, CancellationToken cancellationToken) =>
        throw new InvalidOperationException(Message);

    public Task<IReadOnlyList<HeldCredential>> FindAsync(IReadOnlyCollection<long> credentialIds, CancellationToken cancellationToken) =>
        throw new InvalidOperationException(Message);

    // Nothing was claimed from a pool that is not there.
    public Task SettleAsync(IReadOnlyList<CredentialSettlement> settlements, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IReadOnlyList<string>> KnownUsersAsync(int accountId, CancellationToken cancellationToken) =>
        throw new InvalidOperationException(Message);

    public Task<IReadOnlyList<string>> UsersWithUsableCredentialAsync(int accountId, CredentialNeed need, CancellationToken cancellationToken) =>
        throw new InvalidOperationException(Message);

    public Task<IReadOnlyList<string>> UsersCheckedInSinceAsync(int accountId, DateTimeOffset since, CancellationToken cancellationToken) =>
        throw new InvalidOperationException(Message);
}
