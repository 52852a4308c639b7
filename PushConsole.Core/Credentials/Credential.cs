using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using PushConsole.Templates;

namespace PushConsole.Credentials;

/// <summary>What a credential lets the console send.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<CredentialKind>))]
public enum CredentialKind
{
    /// <summary>A formId from a report-submit form: one template message within 7 days.</summary>
    FormId = 1,
    /// <summary>A prepay_id of a completed payment: three template messages within 7 days.</summary>
    PrepayId = 2,
    /// <summary>A one-time subscribe grant ("allow" tapped) for one template: one subscribe message, no time limit.</summary>
    SubscribeGrant = 3,
}

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<CredentialStatus>))]
public enum CredentialStatus
{
    /// <summary>Has uses left; usable while not past <see cref="Credential.ExpiresAt"/>.</summary>
    Available = 1,
    /// <summary>All uses handed out (or WeChat said 41029).</summary>
    Used = 2,
    /// <summary>Passed its expiry with uses left (set by the sweep; queries treat an unswept past-expiry row the same).</summary>
    Expired = 3,
    /// <summary>WeChat refused it (41028), or the user withdrew the grant (43101).</summary>
    Invalid = 4,
}

/// <summary>
/// One right to push to one user: a formId, a prepay_id or a subscribe grant. One row each, so claims lock
/// and count rows instead of rewriting a per-user list, and every figure is a count of rows.
/// </summary>
public sealed class Credential
{
    public long Id { get; set; }
    /// <summary>The app; no foreign key (a lookup per intake row): AccountService deletes an account's credentials with it.</summary>
    public int AccountId { get; set; }
    /// <summary>The owner; a formId is bound to the user who produced it (41028 for anyone else).</summary>
    public string OpenId { get; set; } = "";
    public CredentialKind Kind { get; set; }
    /// <summary>The formId or prepay_id sent as form_id; null for grants, which WeChat tracks by template.</summary>
    public string? Value { get; set; }
    /// <summary>The subscribe template a grant is for; null for formIds and prepay_ids.</summary>
    public int? TemplateId { get; set; }
    public MessageTemplate? Template { get; set; }
    public int UsesLeft { get; set; }
    public CredentialStatus Status { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
    /// <summary>Last instant it may be sent with is just before this; null for grants (no time limit).</summary>
    public DateTimeOffset? ExpiresAt { get; set; }
    /// <summary>When it stopped being usable (used up, invalid, or its expiry); retention counts from here.</summary>
    public DateTimeOffset? ClosedAt { get; set; }

    public const int MaxValueLength = 128;
    public const int MaxOpenIdLength = 64;
}

/// <summary>
/// The pool proper: one row per credential that still has a use and is not closed, keyed by the credential. Claims
/// pick from here (its claim index holds only usable rows, so it stays small and earliest-first is its order) and a
/// credential whose last use is taken leaves it. The <see cref="Credential"/> row is the record (history, uses,
/// status); a claim changes only its unindexed columns (UsesLeft, Status, ClosedAt), so on PostgreSQL the update is
/// HOT and no index of either table is rewritten by a claim: the record keeps its index entries, and the available
/// row is deleted (PostgreSQL leaves deleted entries to vacuum).
/// </summary>
public sealed class AvailableCredential
{
    public long CredentialId { get; set; }
    public int AccountId { get; set; }
    public string OpenId { get; set; } = "";
    /// <summary>The subscribe template of a grant; null for formIds and prepay_ids.</summary>
    public int? TemplateId { get; set; }
    /// <summary>Null for grants (no time limit).</summary>
    public DateTimeOffset? ExpiresAt { get; set; }
}

internal sealed class CredentialConfiguration : IEntityTypeConfiguration<Credential>
{
    public void Configure(EntityTypeBuilder<Credential> entity)
    {
        entity.ToTable("Credentials");
        // PostgreSQL: room on each page for the claim's new row version, which a HOT update must place on the same page.
        entity.HasStorageParameter("fillfactor", 85);
        entity.Property(c => c.OpenId).HasMaxLength(Credential.MaxOpenIdLength);
        entity.Property(c => c.Value).HasMaxLength(Credential.MaxValueLength);
        // No foreign key to the account: its check was a lookup per intake row (18 % of PostgreSQL's intake time).
        // A deleted template's grants are deleted by TemplateService, not by a cascade (SQL Server refuses a second
        // cascading path from an account, account → template → credential, besides account → template).
        entity.HasOne(c => c.Template).WithMany().HasForeignKey(c => c.TemplateId).OnDelete(DeleteBehavior.NoAction);

        // No index names UsesLeft, Status or ClosedAt, the columns a claim changes: a claim then rewrites no index entry
        // (on PostgreSQL the update is HOT). What is usable is in AvailableCredentials.
        // A formId is stored once per app, whoever reports it again, also after it was used. Grants have no value (NULLs never collide).
        entity.HasIndex(c => new { c.AccountId, c.Value }).IsUnique().HasDatabaseName("UX_Credentials_Account_Value");
        // Retention: a credential closes after it arrives, so the rows closed before a cutoff arrived before it too.
        entity.HasIndex(c => new { c.AccountId, c.ReceivedAt }).HasDatabaseName("IX_Credentials_Received");
        // One user's credentials, newest first: the user lookup and the message API's "what the user has" (its 409 and
        // the check before a message is recorded). Without it each read scanned the account's credentials, once per
        // message. A claim changes none of these columns, so it still rewrites no index entry.
        entity.HasIndex(c => new { c.AccountId, c.OpenId, c.Id }).HasDatabaseName("IX_Credentials_User");
        // Deleting a template's grants; formIds (null) stay out of this index.
        entity.HasIndex(c => c.TemplateId).HasFilter("\"TemplateId\" IS NOT NULL").HasDatabaseName("IX_Credentials_Template");
    }
}

internal sealed class AvailableCredentialConfiguration : IEntityTypeConfiguration<AvailableCredential>
{
    public void Configure(EntityTypeBuilder<AvailableCredential> entity)
    {
        entity.ToTable("AvailableCredentials");
        entity.HasKey(a => a.CredentialId);
        entity.Property(a => a.CredentialId).ValueGeneratedNever();
        entity.Property(a => a.OpenId).HasMaxLength(Credential.MaxOpenIdLength);
        // No foreign keys: each would be a lookup per intake row. The rows follow their credential in the same
        // transaction (intake, claim, TallyWriter.ChangeAsync); an account's are deleted with it (AccountService).
        // The claim path: a user's usable credentials of one kind (TemplateId null = formId/prepay), earliest expiry
        // first; CredentialId last so "ORDER BY ExpiresAt, CredentialId" comes straight from the index.
        entity.HasIndex(a => new { a.AccountId, a.OpenId, a.TemplateId, a.ExpiresAt, a.CredentialId }).HasDatabaseName("IX_AvailableCredentials_Claim");
        // The sweep and the "expiring within" figures.
        entity.HasIndex(a => new { a.AccountId, a.ExpiresAt }).HasDatabaseName("IX_AvailableCredentials_Expiry");
    }
}
