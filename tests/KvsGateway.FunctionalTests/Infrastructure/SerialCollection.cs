namespace KvsGateway.FunctionalTests.Infrastructure;

/// <summary>Tests that measure the whole process (its allocations, its sockets) run alone, after the others.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "Serial";
}
