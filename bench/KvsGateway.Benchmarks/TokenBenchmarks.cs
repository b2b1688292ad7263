using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using KvsGateway.Sessions;
using KvsGateway.Tokens;
using Microsoft.Extensions.Options;

namespace KvsGateway.Benchmarks;

/// <summary>
/// Session tokens: issuing, validating cold (decrypt and check) and warm (the cache lookup every
/// fragment request takes), against a plain SHA-256 of the token, which the warm path pays anyway.
/// </summary>
[MemoryDiagnoser]
public class TokenBenchmarks
{
    private SessionTokenService _tokens = null!;
    private SessionCache _cache = null!;
    private SessionTokenClaims _claims = null!;
    private string _token = string.Empty;
    private byte[] _tokenBytes = [];

    [GlobalSetup]
    public void Setup()
    {
        var options = new SessionTokenOptions { ActiveKeyId = "k1" };
        options.Keys["k1"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
        _tokens = new SessionTokenService(new FixedOptions<SessionTokenOptions>(options), TimeProvider.System);
        _claims = new SessionTokenClaims(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), "tenant-a", DateTimeOffset.UtcNow.AddHours(1));
        _token = _tokens.Issue(_claims);
        _tokenBytes = Encoding.UTF8.GetBytes(_token);
        _cache = new SessionCache(TimeProvider.System);
        _cache.TryAdd(_token, new PlaybackSession
        {
            SessionId = _claims.SessionId,
            Tenant = "tenant-a",
            StreamName = "cam",
            PlaybackMode = KvsGateway.Kvs.Validation.PlaybackMode.Live,
            FragmentSelectorType = "SERVER_TIMESTAMP",
            DisplayFragmentNumber = false,
            DisplayFragmentTimestamp = false,
            OriginSessionUrl = "http://origin/dash/v1/getDASHManifest.mpd?SessionToken=x",
            CreatedAt = DateTimeOffset.UtcNow,
            ExpiresAt = DateTimeOffset.UtcNow.AddHours(1),
        }, _cache.Generation);
    }

    [Benchmark(Baseline = true, Description = "SHA-256 of the token")]
    public byte[] Hash() => SHA256.HashData(_tokenBytes);

    [Benchmark(Description = "issue (JWE, A256CBC-HS512)")]
    public string Issue() => _tokens.Issue(_claims);

    [Benchmark(Description = "validate cold (decrypt, check claims)")]
    public Task<SessionTokenClaims?> ValidateCold() => _tokens.ReadAsync(_token);

    [Benchmark(Description = "validate warm (session cache)")]
    public PlaybackSession? ValidateWarm() => _cache.Find(_token);

    private sealed class FixedOptions<T>(T value) : IOptionsMonitor<T>
    {
        public T CurrentValue => value;

        public T Get(string? name) => value;

        public IDisposable? OnChange(Action<T, string?> listener) => null;
    }
}
