using KvsGateway.Tenancy;

namespace KvsGateway.Tests.Tenancy;

public sealed class TenantTests
{
    [Theory]
    [InlineData("demo*", "demo-stream", true)]
    [InlineData("demo*", "demo", true)]
    [InlineData("demo*", "other-demo", false)]
    [InlineData("*-cam", "front-cam", true)]
    [InlineData("a*b*c", "axxbyyc", true)]
    [InlineData("a*b*c", "axxbyy", false)]
    [InlineData("exact", "exact", true)]
    [InlineData("exact", "exactly", false)]
    public void Stream_patterns_match_names_with_wildcards(string pattern, string name, bool expected)
    {
        var tenant = new Tenant("t", new TenantDefinition { Streams = [pattern] });
        Assert.Equal(expected, tenant.MayAccess(name, null));
    }

    [Fact]
    public void Arn_patterns_match_only_arns()
    {
        var tenant = new Tenant("t", new TenantDefinition { Streams = ["arn:aws:kinesisvideo:us-east-1:111122223333:stream/cam/*"] });
        Assert.True(tenant.MayAccess("cam", "arn:aws:kinesisvideo:us-east-1:111122223333:stream/cam/1234"));
        Assert.False(tenant.MayAccess("cam", "arn:aws:kinesisvideo:us-east-1:999999999999:stream/cam/1234"));
        Assert.False(tenant.MayAccess("cam", null));
    }
}
