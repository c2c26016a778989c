using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NasDash.Hosting;
using NasDash.Tests.TestSupport;

namespace NasDash.Tests.Hosting;

public sealed class ApplianceCertificateTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _data = new();
    private readonly FakeTimeProvider _time = new(Start);

    public void Dispose() => _data.Dispose();

    private ApplianceCertificate Certificates(string host = "nas-office") =>
        new(new NasDashOptions { DataDirectory = _data.Path }, new ApplianceIdentity(host), _time, NullLogger<ApplianceCertificate>.Instance);

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Get_FirstStart_CreatesAServerCertificateForTheApplianceOwnerOnly()
    {
        var certificates = Certificates();

        var certificate = certificates.Get();

        Assert.True(certificate.HasPrivateKey);
        Assert.Contains("CN=nas-office", certificate.Subject, StringComparison.Ordinal);
        var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["nas-office", "localhost"], names.EnumerateDnsNames());
        Assert.Equal(["127.0.0.1", "::1"], names.EnumerateIPAddresses().Select(a => a.ToString()));
        Assert.Equal("1.3.6.1.5.5.7.3.1", Assert.Single(certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>()).Value);
        Assert.Equal((Start + ApplianceCertificate.Lifetime).UtcDateTime, certificate.NotAfter.ToUniversalTime(), TimeSpan.FromSeconds(1));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(certificates.FilePath));
    }

    [Fact]
    public void Get_AfterARestart_ServesTheSameCertificate()
    {
        var first = Certificates().Get().Thumbprint;

        var second = Certificates().Get().Thumbprint;

        Assert.Equal(first, second);
    }

    [Fact]
    public void Get_CertificateInItsLastMonth_IsReplacedAtStart()
    {
        var first = Certificates().Get();
        _time.SetUtcNow(Start + ApplianceCertificate.Lifetime - ApplianceCertificate.RenewBefore + TimeSpan.FromHours(1));

        var renewed = Certificates().Get();

        Assert.NotEqual(first.Thumbprint, renewed.Thumbprint);
        Assert.True(renewed.NotAfter > first.NotAfter);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a certificate")]
    public void Get_UnreadableFile_IsReplacedWithAWorkingCertificate(string content)
    {
        var certificates = Certificates();
        File.WriteAllText(certificates.FilePath, content);

        var certificate = certificates.Get();

        Assert.True(certificate.HasPrivateKey);
        Assert.Equal(certificate.Thumbprint, X509CertificateLoader.LoadPkcs12FromFile(certificates.FilePath, null).Thumbprint);
    }

    [Theory]
    [InlineData("My NAS, 2nd floor", new[] { "localhost" })]
    [InlineData("192.168.1.20", new[] { "localhost" })]
    public void Create_HostNameThatIsNoDnsName_StillMakesACertificate(string host, string[] dnsNames)
    {
        using var certificate = ApplianceCertificate.Create(host, Start);

        Assert.Equal(dnsNames, certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames());
        Assert.Contains(host, certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://0.0.0.0:8080", true)]
    [InlineData("http://[::]:8080", true)]
    [InlineData("http://+:8080", true)]
    [InlineData("http://nas.lan:8080", true)]
    [InlineData("http://127.0.0.1:5080", false)]
    [InlineData("http://[::1]:5080", false)]
    [InlineData("http://localhost:5080", false)]
    [InlineData("https://0.0.0.0:8443", false)]
    public void PlainHttpWarning_OnlyForAddressesReachableFromOtherMachines(string address, bool warns)
    {
        Assert.Equal(warns, StartupBanner.IsPlainHttpBeyondLoopback(address));
    }
}
