using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using NasDash.Storage;

namespace NasDash.Hosting;

/// <summary>
/// HTTPS from the first start, as NAS appliances do it: when the server listens on an https address and the
/// operator configured no certificate of their own (<c>Kestrel:Certificates:Default</c>), NasDash creates a
/// self-signed one for the appliance's name in the data directory and keeps using it. The session cookie is
/// Secure, so sign-in needs HTTPS anywhere but on localhost.
/// </summary>
public sealed class ApplianceCertificate(NasDashOptions options, ApplianceIdentity appliance, TimeProvider time, ILogger<ApplianceCertificate> logger)
    : IDisposable
{
    public const string FileName = "https-certificate.pfx";

    /// <summary>The longest validity Apple platforms accept for a locally trusted TLS certificate.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(825);

    /// <summary>A certificate this close to its end is replaced at start-up.</summary>
    public static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);

    private readonly Lock _gate = new();
    private X509Certificate2? _certificate;

    public string FilePath => Path.Combine(options.DataDirectory, FileName);

    /// <summary>The stored certificate, or a new one when there is none, it cannot be read or it is about to expire.</summary>
    public X509Certificate2 Get()
    {
        lock (_gate)
        {
            return _certificate ??= LoadOrCreate();
        }
    }

    /// <summary>Uses the appliance certificate for https endpoints that have no certificate configured.</summary>
    public static void UseForHttpsWithoutCertificate(WebApplicationBuilder builder)
    {
        var configured = builder.Configuration.GetSection("Kestrel:Certificates:Default").Exists();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https =>
        {
            if (!configured && https.ServerCertificate is null && https.ServerCertificateSelector is null)
            {
                https.ServerCertificate = kestrel.ApplicationServices.GetRequiredService<ApplianceCertificate>().Get();
            }
        }));
    }

    public static X509Certificate2 Create(string hostName, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(hostName);
        subject.AddOrganizationName("NasDash (self-signed)");
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);

        var names = new SubjectAlternativeNameBuilder();
        switch (Uri.CheckHostName(hostName))
        {
            case UriHostNameType.Dns:
                names.AddDnsName(hostName);
                break;
            case UriHostNameType.IPv4 or UriHostNameType.IPv6:
                names.AddIpAddress(IPAddress.Parse(hostName));
                break;
        }

        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(now.AddMinutes(-5), now + Lifetime);
    }

    private X509Certificate2 LoadOrCreate()
    {
        var now = time.GetUtcNow();
        if (File.Exists(FilePath))
        {
            try
            {
                var stored = X509CertificateLoader.LoadPkcs12FromFile(FilePath, password: null, X509KeyStorageFlags.EphemeralKeySet);
                if (stored.HasPrivateKey && new DateTimeOffset(stored.NotAfter.ToUniversalTime()) - RenewBefore > now)
                {
                    return stored;
                }

                logger.LogWarning("The HTTPS certificate in {Path} expires on {NotAfter:yyyy-MM-dd}; replacing it.", FilePath, stored.NotAfter);
                stored.Dispose();
            }
            catch (CryptographicException ex)
            {
                logger.LogWarning("The HTTPS certificate in {Path} cannot be read ({Reason}); replacing it.", FilePath, ex.Message);
            }
        }

        using var created = Create(appliance.HostName, now);
        var pfx = created.Export(X509ContentType.Pkcs12);
        AtomicFile.Write(FilePath, pfx, AtomicFile.OwnerReadWrite);
        var certificate = X509CertificateLoader.LoadPkcs12(pfx, password: null, X509KeyStorageFlags.EphemeralKeySet);
        logger.LogWarning(
            "Created a self-signed HTTPS certificate for {Host} in {Path}, valid until {NotAfter:yyyy-MM-dd}, SHA-256 fingerprint {Fingerprint}. " +
            "Browsers warn about it until it is trusted; to use your own, set Kestrel:Certificates:Default:Path.",
            appliance.HostName, FilePath, certificate.NotAfter, certificate.GetCertHashString(HashAlgorithmName.SHA256));
        return certificate;
    }

    public void Dispose() => _certificate?.Dispose();
}
