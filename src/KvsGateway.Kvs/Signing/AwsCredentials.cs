namespace KvsGateway.Kvs.Signing;

/// <summary>An access key pair; ToString never shows the secret.</summary>
public sealed record AwsCredentials(string AccessKeyId, string SecretAccessKey, string? SessionToken = null)
{
    public override string ToString() => $"AwsCredentials {{ AccessKeyId = {AccessKeyId} }}";
}
