using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace NasDash.Tests.TestSupport;

/// <summary>
/// The PEM files of a TLS fleet, made for one test cluster: an authority of its own, one certificate the members serve
/// and present to each other (127.0.0.1 and localhost, server and client use), and the certificate an appliance
/// presents to them (client use only, common name <see cref="ClientCommonName"/>); and a stranger: another authority and
/// a client certificate it signed. Keys are written mode 0600, as the
/// README tells an administrator to keep them.
/// </summary>
public sealed record EtcdTestCertificates(string Authority, string MemberCertificate, string MemberKey, string ClientCertificate, string ClientKey,
    string OtherAuthority, string OtherAuthorityClientCertificate, string OtherAuthorityClientKey)
{
    public const string ClientCommonName = "nasdash-appliance";

    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    public static EtcdTestCertificates Write(string directory)
    {
        Directory.CreateDirectory(directory);
        var notBefore = DateTimeOffset.UtcNow.AddDays(-1);
        var notAfter = DateTimeOffset.UtcNow.AddDays(7);
        using var authority = NewAuthority("CN=NasDash test fleet CA", notBefore, notAfter);
        using var stranger = NewAuthority("CN=Someone else's CA", notBefore, notAfter);

        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        names.AddDnsName("localhost");
        var files = new EtcdTestCertificates(
            Authority: Path.Combine(directory, "ca.crt"),
            MemberCertificate: Path.Combine(directory, "member.crt"),
            MemberKey: Path.Combine(directory, "member.key"),
            ClientCertificate: Path.Combine(directory, "nasdash-client.crt"),
            ClientKey: Path.Combine(directory, "nasdash-client.key"),
            OtherAuthority: Path.Combine(directory, "stranger-ca.crt"),
            OtherAuthorityClientCertificate: Path.Combine(directory, "stranger-client.crt"),
            OtherAuthorityClientKey: Path.Combine(directory, "stranger-client.key"));
        File.WriteAllText(files.Authority, authority.ExportCertificatePem());
        File.WriteAllText(files.OtherAuthority, stranger.ExportCertificatePem());
        Issue(authority, "CN=etcd member", names.Build(), [ServerAuthentication, ClientAuthentication], notBefore, notAfter, files.MemberCertificate, files.MemberKey);
        Issue(authority, "CN=" + ClientCommonName, null, [ClientAuthentication], notBefore, notAfter, files.ClientCertificate, files.ClientKey);
        Issue(stranger, "CN=" + ClientCommonName, null, [ClientAuthentication], notBefore, notAfter, files.OtherAuthorityClientCertificate, files.OtherAuthorityClientKey);
        return files;
    }

    private static X509Certificate2 NewAuthority(string subject, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        return request.CreateSelfSigned(notBefore, notAfter);
    }

    private static void Issue(X509Certificate2 authority, string subject, X509Extension? names, Oid[] usages, DateTimeOffset notBefore, DateTimeOffset notAfter,
        string certificatePath, string keyPath)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([.. usages], critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        if (names is not null)
        {
            request.CertificateExtensions.Add(names);
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        // A positive serial: Go's x509 (etcd's) refuses negative ones.
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        using var certificate = request.Create(authority, notBefore, notAfter, serial);
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, "");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
    }
}
