using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using PushConsole.Accounts;
using PushConsole.Persistence;
using PushConsole.Tests.Infrastructure;

namespace PushConsole.Tests.Foundation;

public class DataProtectionTests
{
    private static object NewAccount() => new
    {
        name = "Demo", kind = 2, appId = "wxkeyring0001", secret = "s3cret-value", apiBaseUrl = "https://api.weixin.qq.com",
        sendRatePerSecond = 100, dailyQuota = 1000, timeZone = "Asia/Shanghai", tokenMode = 1,
    };

    [Fact]
    public async Task The_key_ring_in_the_database_is_encrypted_with_a_certificate_the_first_run_writes_owner_only_to_the_data_folder()
    {
        var database = TestDatabases.NewSqlite();
        var dataRoot = Directory.CreateTempSubdirectory("pushconsole-keys-").FullName;
        var certificate = Path.Combine(dataRoot, "data", "dataprotection.pfx");
        await using (var first = new ConsoleHost(database, new Dictionary<string, string?> { ["PushConsole:DataRoot"] = dataRoot }).Start())
        {
            using var http = first.CreateHttpClient(ConsoleHost.AdminApiToken);
            Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("api/v1/accounts", NewAccount())).StatusCode);

            await using var db = await first.Contexts().CreateDbContextAsync();
            var keys = await db.DataProtectionKeys.Select(k => k.Xml).ToListAsync();
            Assert.NotEmpty(keys);
            Assert.All(keys, xml =>
            {
                Assert.DoesNotContain("<masterKey", xml);
                Assert.Contains("<encryptedSecret", xml);
            });
        }
        Assert.True(File.Exists(certificate), $"no certificate at {certificate}");
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(certificate));
        }

        // A second console (another node) given the same certificate reads the ring; one with another key cannot.
        await using (var sameKey = new ConsoleHost(database, new Dictionary<string, string?>
        {
            ["DataProtection:CertificatePath"] = certificate,
            ["PushConsole:DataRoot"] = Directory.CreateTempSubdirectory("pushconsole-keys-").FullName,
        }).Start())
        {
            var accounts = sameKey.Services.GetRequiredService<AccountService>();
            Assert.Equal("s3cret-value", accounts.RevealSecret((await accounts.FindByAppIdAsync("wxkeyring0001"))!));
        }
        await using (var otherKey = new ConsoleHost(database, new Dictionary<string, string?>
        {
            ["PushConsole:DataRoot"] = Directory.CreateTempSubdirectory("pushconsole-keys-").FullName,
        }).Start())
        {
            var accounts = otherKey.Services.GetRequiredService<AccountService>();
            var account = (await accounts.FindByAppIdAsync("wxkeyring0001"))!;
            Assert.ThrowsAny<CryptographicException>(() => accounts.RevealSecret(account));
        }
    }
}
