namespace NasDash.Fleet;

/// <summary>
/// "NasDash:Fleet:Etcd" (CONTRACT: issue 27). Without endpoints the appliance is standalone on its LiteDB store; with
/// them, every appliance of the fleet keeps its accounts, ledger, settings, alerts, audit log and outbox in one etcd
/// cluster under <see cref="Prefix"/>.
/// </summary>
public sealed class EtcdFleetOptions
{
    /// <summary>The cluster's client URLs, e.g. "https://nas1.example.lan:2379"; several separated by commas.</summary>
    public string? Endpoints { get; set; }

    /// <summary>The key prefix every NasDash key lives under; one fleet per prefix.</summary>
    public string Prefix { get; set; } = "/nasdash/";

    /// <summary>PEM file of the certificate authority that signed the etcd members' client certificates.</summary>
    public string? CaCertificate { get; set; }

    /// <summary>PEM files of this appliance's client certificate and key (etcd's --client-cert-auth).</summary>
    public string? ClientCertificate { get; set; }

    public string? ClientKey { get; set; }

    /// <summary>etcd's own user and password, where its authentication is on.</summary>
    public string? User { get; set; }

    public string? Password { get; set; }

    public const string DefaultKeyRingKeyFile = "fleet-keyring.key";

    /// <summary>
    /// The 32-byte key that encrypts the fleet's Data Protection key ring in etcd; the same file on every appliance.
    /// Default &lt;data&gt;/fleet-keyring.key, made by the first appliance of a fleet.
    /// </summary>
    public string? KeyRingKeyFile { get; set; }

    /// <summary>How long one request may wait for the cluster before the decision is refused as "cannot decide now".</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary><see cref="Prefix"/>, ending with exactly one '/'.</summary>
    public string KeyPrefix => Prefix.TrimEnd('/') + "/";

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Endpoints);

    public IReadOnlyList<string> EndpointList =>
        (Endpoints ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

public sealed class FleetOptions
{
    public EtcdFleetOptions Etcd { get; set; } = new();
}
