using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using dotnet_etcd;
using Grpc.Core;
using NasDash.Storage;

namespace NasDash.Fleet;

/// <summary>The etcd client of this appliance, as <see cref="EtcdFleetOptions"/> describe it: plain, TLS (with a client certificate) and etcd's own user.</summary>
public static class EtcdConnection
{
    /// <exception cref="StoreRefusedException">A user without a password, which etcd cannot authenticate.</exception>
    public static EtcdClient Open(EtcdFleetOptions options)
    {
        if (options.User is { Length: > 0 } named && string.IsNullOrEmpty(options.Password))
        {
            throw new StoreRefusedException(
                $"NasDash:Fleet:Etcd:User is {named} but NasDash:Fleet:Etcd:Password is not set: give the etcd user's password, or leave User unset where etcd knows this appliance by its client certificate.");
        }

        var endpoints = string.Join(',', options.EndpointList);
        var client = options.CaCertificate is { Length: > 0 } ca
            ? new EtcdClient(endpoints, ssl => ConfigureTls(ssl, ca, options.ClientCertificate, options.ClientKey))
            : new EtcdClient(endpoints, configureChannelOptions: channel => channel.Credentials = ChannelCredentials.Insecure);
        if (options.User is { Length: > 0 } user)
        {
            client.SetCredentials(user, options.Password!);
        }

        return client;
    }

    /// <summary>
    /// Drops the client's auth token so that its next request authenticates again: for a refusal the client cannot see
    /// (a watch ended inside its stream after the member forgot the token in a restart).
    /// </summary>
    public static void ForgetToken(EtcdClient client, EtcdFleetOptions options)
    {
        if (options.User is { Length: > 0 } user)
        {
            client.SetCredentials(user, options.Password!);
        }
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA2000", Justification = "The client certificate lives as long as the client's connection.")]
    private static void ConfigureTls(SslClientAuthenticationOptions ssl, string caFile, string? certificateFile, string? keyFile)
    {
        var authority = X509CertificateLoader.LoadCertificateFromFile(caFile);
        if (certificateFile is { Length: > 0 } && keyFile is { Length: > 0 })
        {
            ssl.ClientCertificates = [X509Certificate2.CreateFromPemFile(certificateFile, keyFile)];
        }

        // Trust exactly the fleet's authority, not the machine's store: an etcd member is a peer of this fleet or nobody.
        ssl.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(authority);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(new X509Certificate2(certificate));
        };
    }
}
