using KvsGateway.Tenancy;

namespace KvsGateway.Authentication;

/// <summary>Who made a control-plane call, once authenticated, and the body its signature covered.</summary>
public sealed class ControlPlaneCaller
{
    public ControlPlaneCaller(Tenant tenant, ReadOnlyMemory<byte> body)
    {
        Tenant = tenant;
        Body = body;
    }

    public Tenant Tenant { get; }

    public ReadOnlyMemory<byte> Body { get; }
}
