using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;

namespace PushConsole.Hosting;

/// <summary>
/// Encrypts the Data Protection key ring at rest. The ring lives in the database (every node reads it); the
/// certificate that wraps its keys does not, so a database dump alone decrypts no AppSecret and forges no cookie.
/// The certificate comes from <c>DataProtection:Certificate</c> (a base64 PKCS#12, e.g. from an environment
/// variable) or the file <c>DataProtection:CertificatePath</c> (default <c>data/dataprotection.pfx</c>), with
/// <c>DataProtection:CertificatePassword</c>. A missing file is generated once, owner-only (0600), and logged:
/// every node of a cluster must be given the same certificate.
/// </summary>
public static class DataProtectionHosting
{
    public const string Section = "DataProtection";
    public const string DefaultFileName = "dataprotection.pfx";

    public static WebApplicationBuilder AddConsoleDataProtection(this WebApplicationBuilder builder)
    {
        var key = LoadKeyEncryptionCertificate(builder.Configuration);
        builder.Services.AddDataProtection()
            .ProtectKeysWithCertificate(key.Certificate)
            .UnprotectKeysWithAnyCertificate(key.Certificate);
        builder.Services.AddSingleton(key);
        builder.Services.AddHostedService<KeyAnnouncement>();
        return builder;
    }

    /// <summary>Where the certificate came from, and whether this start created it.</summary>
    public sealed record KeyEncryptionCertificate(X509Certificate2 Certificate, string Source, bool Generated);

    private static KeyEncryptionCertificate LoadKeyEncryptionCertificate(IConfiguration configuration)
    {
        var password = configuration[$"{Section}:CertificatePassword"];
        if (configuration[$"{Section}:Certificate"] is { Length: > 0 } inline)
        {
            try
            {
                return new(X509CertificateLoader.LoadPkcs12(Convert.FromBase64String(inline), password), $"{Section}:Certificate", false);
            }
            catch (Exception e) when (e is FormatException or CryptographicException)
            {
                throw new ConfigurationException($"{Section}:Certificate is not a base64 PKCS#12 certificate with its private key ({e.Message}).");
            }
        }
        var path = configuration[$"{Section}:CertificatePath"] is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.Combine(configuration["PushConsole:DataRoot"]!, "data", DefaultFileName);
        var generated = CreateIfMissing(path, password);
        try
        {
            return new(X509CertificateLoader.LoadPkcs12FromFile(path, password), path, generated);
        }
        catch (CryptographicException e)
        {
            throw new ConfigurationException($"{Section}:CertificatePath '{path}' cannot be read as a PKCS#12 certificate ({e.Message}).");
        }
    }

    /// <summary>
    /// Writes a new self-signed RSA certificate to <paramref name="path"/> unless a file is there. Nodes starting
    /// together on one data folder race here: the file is written aside and linked into place, so exactly one wins
    /// and the others read its file.
    /// </summary>
    public static bool CreateIfMissing(string path, string? password = null)
    {
        if (File.Exists(path))
        {
            return false;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var rsa = RSA.Create(3072);
        var request = new CertificateRequest("CN=PushConsole Data Protection key encryption", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.DataEncipherment, critical: true));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(100));
        var bytes = certificate.Export(X509ContentType.Pfx, password);
        var aside = $"{path}.{Guid.NewGuid():N}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var file = new FileStream(aside, options))
        {
            file.Write(bytes);
            file.Flush(flushToDisk: true);
        }
        try
        {
            File.Move(aside, path, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(aside);
            return false;
        }
    }

    private sealed class KeyAnnouncement(KeyEncryptionCertificate key, ILogger<KeyAnnouncement> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (key.Generated)
            {
                logger.LogWarning("Data Protection: generated the key-encryption certificate {Path} (owner-only). Back it up: without it " +
                    "the stored AppSecrets cannot be decrypted. Every node of a cluster needs this same certificate " +
                    "(DataProtection:CertificatePath or DataProtection:Certificate).", key.Source);
            }
            else
            {
                logger.LogInformation("Data Protection: key ring encrypted with the certificate from {Source} ({Thumbprint}).",
                    key.Source, key.Certificate.Thumbprint);
            }
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
