namespace KvsGateway.Kvs.Signing;

/// <summary>The parts of an <c>Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…</c> header.</summary>
public sealed record SigV4AuthorizationHeader(
    string AccessKeyId,
    string Date,
    string Region,
    string Service,
    IReadOnlyList<string> SignedHeaders,
    string Signature)
{
    public string Scope => $"{Date}/{Region}/{Service}/aws4_request";

    public static bool TryParse(string? header, out SigV4AuthorizationHeader? parsed)
    {
        parsed = null;
        if (header is null || !header.StartsWith(SigV4.Algorithm + " ", StringComparison.Ordinal))
        {
            return false;
        }

        string? credential = null, signedHeaders = null, signature = null;
        foreach (var part in header[(SigV4.Algorithm.Length + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                return false;
            }

            var value = part[(equals + 1)..];
            switch (part[..equals])
            {
                case "Credential": credential = value; break;
                case "SignedHeaders": signedHeaders = value; break;
                case "Signature": signature = value; break;
            }
        }

        if (credential is null || signedHeaders is null || signature is null)
        {
            return false;
        }

        var scope = credential.Split('/');
        if (scope.Length != 5 || scope[4] != "aws4_request" || scope[0].Length == 0)
        {
            return false;
        }

        parsed = new SigV4AuthorizationHeader(scope[0], scope[1], scope[2], scope[3], signedHeaders.Split(';'), signature);
        return true;
    }
}
