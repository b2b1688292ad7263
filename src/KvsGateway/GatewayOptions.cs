using System.ComponentModel.DataAnnotations;

namespace KvsGateway;

/// <summary>Section <c>Gateway</c>.</summary>
public sealed class GatewayOptions : IValidatableObject
{
    public const string SectionName = "Gateway";

    /// <summary>
    /// Where the management listener (<c>/metrics</c>, <c>/readyz</c>, the admin API) binds, <c>;</c>-separated;
    /// empty turns it off. Keep it off the public network.
    /// </summary>
    public string ManagementUrls { get; set; } = DefaultManagementUrls;

    public const string DefaultManagementUrls = "http://127.0.0.1:9090";

    /// <summary>
    /// Outside Development, starting with an embedded Redis (Garnet) or an embedded emulator as the
    /// origin is refused unless this is set: both are stand-ins, not production infrastructure.
    /// </summary>
    public bool AllowEmbeddedDependencies { get; set; }

    /// <summary>
    /// Kestrel runs request code on the thread that read the request instead of queueing it to the
    /// thread pool (its <c>UnsafePreferInlineScheduling</c>). The gateway never blocks a request thread,
    /// so this is safe here and, on the 1–2 CPUs of a small container, moves about twice the bytes per
    /// core (bench/README.md). Turn it off only to compare.
    /// </summary>
    public bool InlineScheduling { get; set; } = true;

    /// <summary>
    /// On Linux, the process's threads run under <c>SCHED_BATCH</c> (<see cref="Hosting.BatchScheduling"/>):
    /// woken by a packet, they wait for their turn instead of taking the CPU at once, and handle many
    /// sockets per turn. A third less kernel time per 1 MB response on a shared core (bench/README.md);
    /// a thread's wait for its turn is bounded by the scheduler's slice (a few ms). Turn it off only to compare.
    /// </summary>
    public bool BatchScheduling { get; set; } = true;

    /// <summary>Base URL clients use to reach the gateway (behind a load balancer); empty uses the request's.</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>The tenants file, relative to the content root; reloaded when it changes.</summary>
    public string? TenantsFile { get; set; }

    /// <summary>Origins allowed to fetch playback resources from browsers; <c>*</c> as KVS does.</summary>
    public List<string> AllowedPlaybackOrigins { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(PublicBaseUrl) && !(Uri.TryCreate(PublicBaseUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"))
        {
            yield return new ValidationResult("Gateway:PublicBaseUrl must be an absolute http(s) URL.", [nameof(PublicBaseUrl)]);
        }

        foreach (var origin in AllowedPlaybackOrigins)
        {
            if (origin != "*" && !(Uri.TryCreate(origin, UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https" && parsed.AbsolutePath == "/"))
            {
                yield return new ValidationResult($"Gateway:AllowedPlaybackOrigins: '{origin}' is neither * nor an origin such as https://player.example.com.", [nameof(AllowedPlaybackOrigins)]);
            }
        }
    }
}
