namespace KvsGateway.Hosting;

/// <summary>Section <c>Redis</c>: a StackExchange.Redis connection string; empty starts an embedded Garnet.</summary>
public sealed class RedisOptions
{
    public const string SectionName = "Redis";

    public string? Configuration { get; set; }
}
