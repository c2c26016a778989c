using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting.Internal;
using NasDash.Hosting;
using NasDash.Storage;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Security;

/// <summary>The core as <see cref="CoreServices.AddNasDashCore"/> registers it: keys, work factors, data directory.</summary>
public class SecretsAtRestTests
{
    [Fact]
    public void SecretProtector_AfterRestart_UnprotectsWhatItProtectedBefore()
    {
        using var temp = new TempDirectory();
        var secret = TotpVerifier.NewSecret();
        string stored;
        using (var before = Build(temp, "Testing"))
        {
            stored = before.GetRequiredService<SecretProtector>().Protect(secret);
        }

        using var after = Build(temp, "Testing");

        Assert.DoesNotContain(TotpVerifier.ToBase32(secret), stored, StringComparison.Ordinal);
        Assert.Equal(secret, after.GetRequiredService<SecretProtector>().Unprotect(stored));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(temp.Path, "data", "keys"), "key-*.xml"));
    }

    [Fact]
    public void SecretProtector_KeysOfAnotherDataDirectory_CannotUnprotect()
    {
        using var first = new TempDirectory();
        using var second = new TempDirectory();
        using var a = Build(first, "Testing");
        using var b = Build(second, "Testing");

        var stored = a.GetRequiredService<SecretProtector>().Protect(TotpVerifier.NewSecret());

        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => b.GetRequiredService<SecretProtector>().Unprotect(stored));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void AddNasDashCore_DataAndKeyDirectories_AreOwnerOnly()
    {
        using var temp = new TempDirectory();
        using var services = Build(temp, "Testing");
        services.GetRequiredService<SecretProtector>().Protect([1, 2, 3]);

        var ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        Assert.Equal(ownerOnly, File.GetUnixFileMode(Path.Combine(temp.Path, "data")));
        Assert.Equal(ownerOnly, File.GetUnixFileMode(Path.Combine(temp.Path, "data", "keys")));
    }

    [Fact]
    public void AddNasDashCore_NoWorkFactorConfigured_HashesAtOwaspIterations()
    {
        using var temp = new TempDirectory();
        using var services = Build(temp, "Production", passwordIterations: null);

        Assert.Equal(PasswordHashing.OwaspIterations, IterationsOf(services.GetRequiredService<PasswordHashing>().Hash(TestPasswords.Default)));
    }

    [Theory]
    [InlineData("Production")]
    [InlineData("Testing")]
    public void AddNasDashCore_ConfiguredWorkFactor_IsHonouredWhateverTheEnvironmentIsCalled(string environment)
    {
        using var temp = new TempDirectory();
        using var services = Build(temp, environment, passwordIterations: "1000");

        Assert.Equal(1000, IterationsOf(services.GetRequiredService<PasswordHashing>().Hash(TestPasswords.Default)));
    }

    private static int IterationsOf(string hash) =>
        System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(Convert.FromBase64String(hash).AsSpan(5));

    [Fact]
    public async Task SignIn_AfterRestartOfTheWholeCore_AcceptsTheEncryptedTotpSecret()
    {
        using var temp = new TempDirectory();
        var secret = TotpVerifier.NewSecret();
        using (var before = Build(temp, "Testing"))
        {
            var store = before.GetRequiredService<LiteDbStore>();
            var protector = before.GetRequiredService<SecretProtector>();
            store.TryInsert(Account.CreateEnrolled("alice", before.GetRequiredService<PasswordHashing>().Hash(TestPasswords.Default),
                DateTimeOffset.UtcNow, protector.Protect(secret), -1, before.GetRequiredService<BackupCodes>().Generate(5).Stored));
        }

        using var after = Build(temp, "Testing");
        var signIn = after.GetRequiredService<SignInService>();
        var password = await signIn.SubmitPasswordAsync("alice", TestPasswords.Default, null, TestContext.Current.CancellationToken);
        var challenge = Assert.IsType<PasswordStepResult.SecondFactorRequired>(password).ChallengeId;
        var code = after.GetRequiredService<TotpVerifier>().Current(secret);

        Assert.IsType<SecondFactorResult.SignedIn>(await signIn.SubmitTotpAsync(challenge, code, null, TestContext.Current.CancellationToken));
    }

    private static ServiceProvider Build(TempDirectory root, string environment, string? passwordIterations = "1000")
    {
        var settings = new Dictionary<string, string?>
        {
            ["NasDash:DataDirectory"] = "data",
            ["NasDash:BackupCodeIterations"] = "100",
            ["NasDash:HostName"] = CoreHarness.Host,
        };
        if (passwordIterations is not null)
        {
            settings["NasDash:PasswordIterations"] = passwordIterations;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var host = new HostingEnvironment { EnvironmentName = environment, ContentRootPath = root.Path, ApplicationName = "NasDash" };
        var services = new ServiceCollection().AddLogging();
        services.AddNasDashCore(configuration, host);
        return services.BuildServiceProvider();
    }
}
