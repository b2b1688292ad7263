namespace KvsGateway.Kvs.Wire;

/// <summary>The <c>{}</c> reply of operations that return nothing.</summary>
public sealed class EmptyOutput;
