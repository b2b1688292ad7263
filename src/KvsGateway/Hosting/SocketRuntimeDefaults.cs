namespace KvsGateway.Hosting;

/// <summary>
/// The socket setting a 1–2 CPU gateway needs that the runtime reads only from the environment, once,
/// when the process opens its first socket: completions run on the thread that polled them instead of
/// hopping to the thread pool (with Kestrel's inline scheduling, <see cref="GatewayOptions.InlineScheduling"/>,
/// a fragment's bytes then go from the origin's socket to the viewer's without a thread switch). Set
/// before anything else runs; a value the operator set, <c>0</c> included, is kept.
/// </summary>
public static class SocketRuntimeDefaults
{
    public const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public static void Apply()
    {
        if (Environment.GetEnvironmentVariable(InlineCompletionsVariable) is null)
        {
            Environment.SetEnvironmentVariable(InlineCompletionsVariable, "1");
        }
    }
}
