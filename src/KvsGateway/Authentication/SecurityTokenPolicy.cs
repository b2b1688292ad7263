namespace KvsGateway.Authentication;

/// <summary>How a request carrying <c>x-amz-security-token</c> is treated.</summary>
public enum SecurityTokenPolicy
{
    /// <summary>Verified like any other request; the token plays no part (tenants hold long-term keys).</summary>
    Ignore,

    /// <summary>Refused as AWS refuses an unknown token: <c>UnrecognizedClientException</c>.</summary>
    Reject,
}
