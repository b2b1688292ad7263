using System.ComponentModel.DataAnnotations;

namespace KvsGateway.Origins;

/// <summary>Section <c>Origin</c>: where the media comes from and the gateway's own credentials for it.</summary>
public sealed class OriginOptions : IValidatableObject
{
    public const string SectionName = "Origin";

    public OriginMode Mode { get; set; } = OriginMode.Embedded;

    /// <summary>Control-plane URL for Remote; for AWS, empty means <c>https://kinesisvideo.{Region}.amazonaws.com</c>.</summary>
    public string? Endpoint { get; set; }

    [Required]
    public string Region { get; set; } = "us-east-1";

    /// <summary>Empty falls back to AWS_ACCESS_KEY_ID (and, for the emulator, a placeholder it accepts).</summary>
    public string? AccessKeyId { get; set; }

    public string? SecretAccessKey { get; set; }

    public string? SessionToken { get; set; }

    /// <summary>Where the embedded emulator listens.</summary>
    [Required]
    public string EmbeddedUrl { get; set; } = "http://127.0.0.1:8081";

    /// <summary>Data folder of the embedded emulator, relative to the content root.</summary>
    [Required]
    public string EmbeddedDataPath { get; set; } = "data/emulator";

    /// <summary>An origin read idle this long is cut and answered as a KVS error.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ActivityTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Fragments from a plain-HTTP origin (the emulator, an origin on the same network) go over the
    /// gateway's own pooled HTTP/1.1 connections instead of <see cref="HttpClient"/>'s: about a fifth
    /// less CPU per 100 KB fragment (bench/README.md). HTTPS origins (KVS itself) always use HttpClient.
    /// </summary>
    public bool PooledFragmentConnections { get; set; } = true;

    /// <summary>Largest origin manifest the gateway reads.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxManifestBytes { get; set; } = 8 * 1024 * 1024;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enum.IsDefined(Mode))
        {
            yield return new ValidationResult("Origin:Mode must be Embedded, Remote or Aws.", [nameof(Mode)]);
        }

        if (Mode == OriginMode.Remote && string.IsNullOrEmpty(Endpoint))
        {
            yield return new ValidationResult("Origin:Endpoint is required when Origin:Mode is Remote.", [nameof(Endpoint)]);
        }

        if (!string.IsNullOrEmpty(Endpoint) && !IsHttpUrl(Endpoint))
        {
            yield return new ValidationResult("Origin:Endpoint must be an absolute http(s) URL.", [nameof(Endpoint)]);
        }

        if (Mode == OriginMode.Embedded && !IsHttpUrl(EmbeddedUrl))
        {
            yield return new ValidationResult("Origin:EmbeddedUrl must be an absolute http URL.", [nameof(EmbeddedUrl)]);
        }

        if (string.IsNullOrEmpty(AccessKeyId) != string.IsNullOrEmpty(SecretAccessKey))
        {
            yield return new ValidationResult("Origin:AccessKeyId and Origin:SecretAccessKey go together.", [nameof(AccessKeyId), nameof(SecretAccessKey)]);
        }
    }

    private static bool IsHttpUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";
}
