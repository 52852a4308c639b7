using Microsoft.AspNetCore.DataProtection;

namespace PushConsole.Accounts;

/// <summary>Encrypts AppSecrets at rest; the key ring lives in the database, so every node can decrypt.</summary>
public sealed class AccountSecretProtector(IDataProtectionProvider provider)
{
    public const string Purpose = "PushConsole.Accounts.Secret.v1";
    private readonly IDataProtector protector = provider.CreateProtector(Purpose);

    public string Protect(string secret) => protector.Protect(secret);
    public string Unprotect(string cipher) => protector.Unprotect(cipher);
}
