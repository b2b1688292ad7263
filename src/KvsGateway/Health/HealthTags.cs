namespace KvsGateway.Health;

/// <summary>Which probe a health check belongs to.</summary>
public static class HealthTags
{
    /// <summary><c>/healthz</c>: the gateway serves (in Development, once the demo stream has a fragment).</summary>
    public const string Live = "live";

    /// <summary><c>/readyz</c>: Redis and the origin answer too.</summary>
    public const string Ready = "ready";
}
