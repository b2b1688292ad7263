using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace KvsGateway.Tokens;

/// <summary>
/// Issues and reads the gateway's own session tokens: JWE with a direct key and A256CBC-HS512,
/// the key named in the <c>kid</c> header. Tampering fails the authentication tag; expiry is
/// checked against <see cref="TimeProvider"/>.
/// </summary>
public sealed class SessionTokenService
{
    private const string SessionClaim = "sid";
    private const string TenantClaim = "tid";
    private const string StreamClaim = "stm";

    private readonly JsonWebTokenHandler _handler = new();
    private readonly IOptionsMonitor<SessionTokenOptions> _options;
    private readonly TimeProvider _time;
    private KeyRing? _ring;

    // {"alg":"none","typ":"JWT"}
    private static readonly string UnsignedHeader = Base64Url.EncodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}"u8);

    public SessionTokenService(IOptionsMonitor<SessionTokenOptions> options, TimeProvider time)
    {
        _options = options;
        _time = time;
    }

    /// <summary>
    /// A compact JWE (RFC 7516) written here rather than by the token library, which creates a cipher
    /// and an HMAC provider per token and dominated the cost of issuing one: the protected header of
    /// the active key (built once), a random IV, the inner unsigned JWT encrypted with AES-256-CBC
    /// under the key's second half and a tag of HMAC-SHA-512 under its first half over
    /// AAD ‖ IV ‖ ciphertext ‖ AL, cut to 32 bytes (RFC 7518, 5.2). Tokens are read by the library.
    /// </summary>
    public string Issue(SessionTokenClaims claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var ring = Ring();

        // The inner token as the library writes one without signing credentials: "header.payload."
        var payload = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(payload))
        {
            json.WriteStartObject();
            json.WriteString(SessionClaim, claims.SessionId);
            json.WriteString(TenantClaim, claims.Tenant);
            json.WriteNumber(JwtRegisteredClaimNames.Exp, claims.ExpiresAt.ToUnixTimeSeconds());
            if (claims.Stream is not null)
            {
                json.WriteString(StreamClaim, claims.Stream);
            }

            json.WriteEndObject();
        }

        var inner = Encoding.ASCII.GetBytes($"{UnsignedHeader}.{Base64Url.EncodeToString(payload.WrittenSpan)}.");
        Span<byte> iv = stackalloc byte[16];
        RandomNumberGenerator.Fill(iv);
        var ciphertext = ring.Cipher().EncryptCbc(inner, iv, PaddingMode.PKCS7);

        var aad = ring.ProtectedHeader;
        var authenticated = new byte[aad.Length + iv.Length + ciphertext.Length + sizeof(ulong)];
        Encoding.ASCII.GetBytes(aad, authenticated);
        iv.CopyTo(authenticated.AsSpan(aad.Length));
        ciphertext.CopyTo(authenticated.AsSpan(aad.Length + iv.Length));
        BinaryPrimitives.WriteUInt64BigEndian(authenticated.AsSpan(authenticated.Length - sizeof(ulong)), (ulong)aad.Length * 8);
        Span<byte> mac = stackalloc byte[HMACSHA512.HashSizeInBytes];
        HMACSHA512.HashData(ring.MacKey, authenticated, mac);

        return $"{aad}..{Base64Url.EncodeToString(iv)}.{Base64Url.EncodeToString(ciphertext)}.{Base64Url.EncodeToString(mac[..32])}";
    }

    /// <summary>The claims of a valid, unexpired token; null for anything else.</summary>
    public async Task<SessionTokenClaims?> ReadAsync(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 8192)
        {
            return null;
        }

        var result = await _handler.ValidateTokenAsync(token, Ring().Validation).ConfigureAwait(false);
        // Only an encrypted token counts: the inner token is unsigned, so a bare JWT must never pass.
        if (!result.IsValid
            || result.SecurityToken is not JsonWebToken { IsEncrypted: true, InnerToken: { } inner }
            || !inner.TryGetPayloadValue<string>(SessionClaim, out var sessionId)
            || !inner.TryGetPayloadValue<string>(TenantClaim, out var tenant)
            || !inner.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Exp, out var exp))
        {
            return null;
        }

        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(exp);
        return expiresAt <= _time.GetUtcNow() ? null : new SessionTokenClaims(sessionId, tenant, expiresAt, inner.TryGetPayloadValue<string>(StreamClaim, out var stream) ? stream : null);
    }

    /// <summary>
    /// The keys of the current options, built once per options value: the same key objects each
    /// time let the token library reuse its cipher and HMAC providers instead of creating them per token.
    /// </summary>
    private KeyRing Ring()
    {
        var options = _options.CurrentValue;
        var ring = Volatile.Read(ref _ring);
        if (ring is null || !ReferenceEquals(ring.Options, options))
        {
            ring = new KeyRing(options);
            Volatile.Write(ref _ring, ring);
        }

        return ring;
    }

    private sealed class KeyRing
    {
        [ThreadStatic]
        private static Aes? t_cipher;

        [ThreadStatic]
        private static byte[]? t_cipherKey;

        private readonly byte[] _encryptionKey;

        public KeyRing(SessionTokenOptions options)
        {
            Options = options;
            var keys = options.Keys.ToDictionary(pair => pair.Key, pair => new SymmetricSecurityKey(Convert.FromBase64String(pair.Value)) { KeyId = pair.Key }, StringComparer.Ordinal);
            var active = keys[options.ActiveKeyId].Key;
            MacKey = active[..32];
            _encryptionKey = active[32..];
            var header = new ArrayBufferWriter<byte>(128);
            using (var json = new Utf8JsonWriter(header))
            {
                json.WriteStartObject();
                json.WriteString("alg", "dir");
                json.WriteString("enc", SecurityAlgorithms.Aes256CbcHmacSha512);
                json.WriteString("kid", options.ActiveKeyId);
                json.WriteString("typ", "JWT");
                json.WriteEndObject();
            }

            ProtectedHeader = Base64Url.EncodeToString(header.WrittenSpan);
            Validation = new TokenValidationParameters
            {
                TokenDecryptionKeys = [.. keys.Values],
                RequireSignedTokens = false,
                ValidateIssuer = false,
                ValidateAudience = false,
                ValidateLifetime = false,
                RequireExpirationTime = false,
                ValidateIssuerSigningKey = false,
                TryAllIssuerSigningKeys = false,
            };
        }

        public SessionTokenOptions Options { get; }

        /// <summary>The base64url protected header naming the active key; the JWE's additional authenticated data.</summary>
        public string ProtectedHeader { get; }

        public byte[] MacKey { get; }

        /// <summary>This thread's AES instance under the active key: the one-shot CBC methods of one instance are not documented as safe across threads.</summary>
        public Aes Cipher()
        {
            var cipher = t_cipher;
            if (cipher is null || !ReferenceEquals(t_cipherKey, _encryptionKey))
            {
                cipher?.Dispose();
                cipher = Aes.Create();
                cipher.Key = _encryptionKey;
                t_cipher = cipher;
                t_cipherKey = _encryptionKey;
            }

            return cipher;
        }

        public TokenValidationParameters Validation { get; }
    }
}
