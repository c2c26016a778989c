using System.Buffers.Binary;
using System.Buffers.Text;
using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NasDash.Tests.TestSupport;

/// <summary>
/// A software WebAuthn authenticator with one ES256 credential: it answers creation options with a 'none'
/// attestation and request options with a signed assertion, in the JSON a browser sends (binary fields
/// base64url). Origin, relying-party id and signature counter can be set wrong on purpose.
/// </summary>
public sealed class TestAuthenticator : IDisposable
{
    private const byte UserPresent = 0x01;
    private const byte UserVerified = 0x04;
    private const byte AttestedCredentialData = 0x40;

    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private byte[]? _userHandle;

    public TestAuthenticator(string origin)
    {
        Origin = origin;
    }

    public string Origin { get; set; }
    public byte[] CredentialId { get; } = RandomNumberGenerator.GetBytes(32);
    /// <summary>The counter the next response carries; each assertion increments it first (as hardware keys do) unless <see cref="CountsSignatures"/> is off.</summary>
    public uint SignatureCounter { get; set; }
    public bool CountsSignatures { get; set; } = true;
    /// <summary>When set, the relying-party id hashed into the authenticator data instead of the one in the options.</summary>
    public string? RelyingPartyIdOverride { get; set; }

    public string Register(string creationOptionsJson)
    {
        var options = JsonNode.Parse(creationOptionsJson)!;
        var rpId = RelyingPartyIdOverride ?? (string)options["rp"]!["id"]!;
        _userHandle = Base64Url.DecodeFromChars((string)options["user"]!["id"]!);
        var clientData = ClientData("webauthn.create", (string)options["challenge"]!);

        var authenticatorData = new List<byte>();
        authenticatorData.AddRange(SHA256.HashData(Encoding.UTF8.GetBytes(rpId)));
        authenticatorData.Add(UserPresent | UserVerified | AttestedCredentialData);
        authenticatorData.AddRange(BigEndian(SignatureCounter));
        authenticatorData.AddRange(new byte[16]);
        authenticatorData.AddRange([(byte)(CredentialId.Length >> 8), (byte)CredentialId.Length]);
        authenticatorData.AddRange(CredentialId);
        authenticatorData.AddRange(CosePublicKey());

        var attestation = new CborWriter(CborConformanceMode.Ctap2Canonical);
        attestation.WriteStartMap(3);
        attestation.WriteTextString("fmt");
        attestation.WriteTextString("none");
        attestation.WriteTextString("attStmt");
        attestation.WriteStartMap(0);
        attestation.WriteEndMap();
        attestation.WriteTextString("authData");
        attestation.WriteByteString([.. authenticatorData]);
        attestation.WriteEndMap();

        return JsonSerializer.Serialize(new
        {
            id = Base64Url.EncodeToString(CredentialId),
            rawId = Base64Url.EncodeToString(CredentialId),
            type = "public-key",
            response = new
            {
                attestationObject = Base64Url.EncodeToString(attestation.Encode()),
                clientDataJSON = Base64Url.EncodeToString(clientData),
                transports = new[] { "usb" },
            },
            clientExtensionResults = new { },
        });
    }

    public string Assert(string requestOptionsJson)
    {
        var options = JsonNode.Parse(requestOptionsJson)!;
        var rpId = RelyingPartyIdOverride ?? (string)options["rpId"]!;
        if (CountsSignatures)
        {
            SignatureCounter++;
        }

        var clientData = ClientData("webauthn.get", (string)options["challenge"]!);
        byte[] authenticatorData = [.. SHA256.HashData(Encoding.UTF8.GetBytes(rpId)), UserPresent | UserVerified, .. BigEndian(SignatureCounter)];
        byte[] signed = [.. authenticatorData, .. SHA256.HashData(clientData)];
        var signature = _key.SignData(signed, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

        return JsonSerializer.Serialize(new
        {
            id = Base64Url.EncodeToString(CredentialId),
            rawId = Base64Url.EncodeToString(CredentialId),
            type = "public-key",
            response = new
            {
                authenticatorData = Base64Url.EncodeToString(authenticatorData),
                clientDataJSON = Base64Url.EncodeToString(clientData),
                signature = Base64Url.EncodeToString(signature),
                userHandle = _userHandle is null ? null : Base64Url.EncodeToString(_userHandle),
            },
            clientExtensionResults = new { },
        });
    }

    public void Dispose() => _key.Dispose();

    private byte[] ClientData(string type, string challenge) =>
        JsonSerializer.SerializeToUtf8Bytes(new { type, challenge, origin = Origin, crossOrigin = false });

    private static byte[] BigEndian(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    // COSE_Key (RFC 9053): kty EC2, alg ES256, crv P-256, x, y.
    private byte[] CosePublicKey()
    {
        var point = _key.ExportParameters(includePrivateParameters: false).Q;
        var cose = new CborWriter(CborConformanceMode.Ctap2Canonical);
        cose.WriteStartMap(5);
        cose.WriteInt32(1);
        cose.WriteInt32(2);
        cose.WriteInt32(3);
        cose.WriteInt32(-7);
        cose.WriteInt32(-1);
        cose.WriteInt32(1);
        cose.WriteInt32(-2);
        cose.WriteByteString(point.X!);
        cose.WriteInt32(-3);
        cose.WriteByteString(point.Y!);
        cose.WriteEndMap();
        return cose.Encode();
    }
}
