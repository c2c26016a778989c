using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using NasDash.Storage;

namespace NasDash.Fleet;

/// <summary>
/// The Data Protection key ring of the fleet, in etcd under "&lt;prefix&gt;keyring/": every appliance decrypts the TOTP
/// secrets, device cookies and sealed addresses any other one wrote. Each key is stored encrypted (AES-256-GCM) with the
/// fleet's key-ring key, a 32-byte file copied to every appliance with its etcd certificates, so neither an etcd snapshot
/// nor a member's disk nor anyone reading the prefix holds a usable key ring without that file too.
/// </summary>
public sealed class FleetKeyRing(EtcdClient client, EtcdFleetOptions options, FleetReachability reachability) : IXmlRepository
{
    private string Prefix => options.KeyPrefix + EtcdStore.KeyRingPrefix;

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        try
        {
            return EtcdRetry.Run(() => client.GetRange(Prefix, deadline: DateTime.UtcNow + options.RequestTimeout)).Kvs
                .Select(kv => XElement.Parse(kv.Value.ToStringUtf8())).ToList();
        }
        catch (Exception ex) when (EtcdRetry.Unanswered(ex))
        {
            throw reachability.CannotDecide(ex);
        }
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        var key = ByteString.CopyFromUtf8(Prefix + friendlyName);
        var request = new TxnRequest();
        // A key is written once; two appliances making one at the same moment both keep theirs under their own names.
        request.Compare.Add(new Compare { Key = key, Target = Compare.Types.CompareTarget.Version, Result = Compare.Types.CompareResult.Equal, Version = 0 });
        request.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = key, Value = ByteString.CopyFromUtf8(element.ToString(SaveOptions.DisableFormatting)) } });
        try
        {
            EtcdRetry.Run(() => client.Transaction(request, deadline: DateTime.UtcNow + options.RequestTimeout));
        }
        catch (Exception ex) when (EtcdRetry.Unanswered(ex))
        {
            throw reachability.CannotDecide(ex);
        }
    }

    /// <summary>
    /// The fleet's key-ring key from <paramref name="path"/>: made (0600) when the fleet has no key ring yet, else it must be
    /// the copy every other appliance holds.
    /// </summary>
    public static byte[] LoadOrCreateKey(string path, bool fleetHasKeys)
    {
        if (File.Exists(path))
        {
            var key = File.ReadAllBytes(path);
            return key.Length == 32
                ? key
                : throw new StoreRefusedException($"{path} is not a fleet key-ring key (32 bytes): copy it from an appliance of the fleet.");
        }

        if (fleetHasKeys)
        {
            throw new StoreRefusedException($"The fleet's key ring is encrypted with a key this appliance lacks: copy {path} (mode 0600) from an appliance of the fleet.");
        }

        var created = RandomNumberGenerator.GetBytes(32);
        DataDirectory.CreatePrivateFile(path);
        File.WriteAllBytes(path, created);
        return created;
    }
}

/// <summary>The fleet's key-ring key, loaded once.</summary>
public sealed record FleetKeyRingKey(byte[] Key);

/// <summary>Encrypts each Data Protection key with the fleet's key-ring key before it goes to etcd.</summary>
public sealed class FleetKeyEncryptor(FleetKeyRingKey key) : IXmlEncryptor
{
    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        var plain = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
        var cipher = new byte[plain.Length];
        var tag = new byte[AesGcm.TagByteSizes.MaxSize];
        using (var aes = new AesGcm(key.Key, tag.Length))
        {
            aes.Encrypt(nonce, plain, cipher, tag);
        }

        CryptographicOperations.ZeroMemory(plain);
        var element = new XElement("fleetEncryptedKey",
            new XAttribute("nonce", Convert.ToBase64String(nonce)), new XAttribute("tag", Convert.ToBase64String(tag)), Convert.ToBase64String(cipher));
        return new EncryptedXmlInfo(element, typeof(FleetKeyDecryptor));
    }
}

/// <summary>Reverses <see cref="FleetKeyEncryptor"/>; Data Protection activates it by type name with the service provider.</summary>
public sealed class FleetKeyDecryptor(IServiceProvider services) : IXmlDecryptor
{
    private const string EncryptedSecret = "encryptedSecret";
    private static readonly XNamespace DataProtection = "http://schemas.asp.net/2015/03/dataProtection";

    public XElement Decrypt(XElement encryptedElement) =>
        Decrypt(encryptedElement, ((FleetKeyRingKey?)services.GetService(typeof(FleetKeyRingKey)))?.Key
            ?? throw new InvalidOperationException("The fleet's key-ring key is not loaded: this appliance is not configured for the fleet."));

    /// <summary>A key element of the fleet's ring with its secret opened, as a standalone appliance keeps it in &lt;data&gt;/keys.</summary>
    public static XElement Opened(XElement element, byte[] key)
    {
        var copy = new XElement(element);
        foreach (var secret in copy.Descendants().Where(e => e.Name.LocalName == EncryptedSecret
                     && ((string?)e.Attribute("decryptorType") ?? "").Contains(nameof(FleetKeyDecryptor), StringComparison.Ordinal)).ToList())
        {
            secret.ReplaceWith(Decrypt(secret.Elements().Single(), key));
        }

        return copy;
    }

    /// <summary>A standalone appliance's key element with its secret sealed for the fleet, as Data Protection would write it there.</summary>
    public static XElement Sealed(XElement element, byte[] key)
    {
        var copy = new XElement(element);
        var encryptor = new FleetKeyEncryptor(new FleetKeyRingKey(key));
        foreach (var secret in copy.Descendants().Where(e => (bool?)e.Attribute(DataProtection + "requiresEncryption") == true).ToList())
        {
            var info = encryptor.Encrypt(secret);
            secret.ReplaceWith(new XElement(DataProtection + EncryptedSecret, new XAttribute("decryptorType", info.DecryptorType.AssemblyQualifiedName!), info.EncryptedElement));
        }

        return copy;
    }

    public static XElement Decrypt(XElement encryptedElement, byte[] key)
    {
        var nonce = Convert.FromBase64String((string?)encryptedElement.Attribute("nonce") ?? "");
        var tag = Convert.FromBase64String((string?)encryptedElement.Attribute("tag") ?? "");
        var cipher = Convert.FromBase64String(encryptedElement.Value);
        var plain = new byte[cipher.Length];
        try
        {
            using var aes = new AesGcm(key, tag.Length);
            aes.Decrypt(nonce, cipher, tag, plain);
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new StoreRefusedException("The fleet's key ring does not open with this appliance's fleet key-ring key: copy it from an appliance of the fleet.", ex);
        }

        return XElement.Parse(Encoding.UTF8.GetString(plain));
    }
}
