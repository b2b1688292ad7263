using KvsGateway.Tenancy;

namespace KvsGateway.Admin;

/// <summary>A tenant's current use of its limits.</summary>
public sealed record QuotaUse(
    string Tenant,
    long ActiveSessions,
    int? MaxConcurrentSessions,
    long MonthOutgoingBytes,
    long? MonthlyOutgoingBytesBudget,
    int SessionUrlsPerStreamPerSecond,
    int DataEndpointsPerStreamPerSecond,
    PlaybackRates PlaybackRates);
