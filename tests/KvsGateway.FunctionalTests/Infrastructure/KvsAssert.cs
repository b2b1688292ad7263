using System.Text.Json;

namespace KvsGateway.FunctionalTests.Infrastructure;

internal static class KvsAssert
{
    /// <summary>Checks a response is the named KVS error, shaped as AWS shapes it.</summary>
    public static async Task ErrorAsync(HttpResponseMessage response, int status, string errorType)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == (int)response.StatusCode, $"expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.StartsWith(errorType + ":", response.Headers.GetValues("x-amzn-ErrorType").Single(), StringComparison.Ordinal);
        Assert.True(Guid.TryParse(response.Headers.GetValues("x-amzn-RequestId").Single(), out _));
        using var json = JsonDocument.Parse(body);
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("message").GetString()));
        Assert.Equal(json.RootElement.GetProperty("message").GetString(), json.RootElement.GetProperty("Message").GetString());
    }
}
