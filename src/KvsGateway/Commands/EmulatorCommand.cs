using KvsGateway.Emulator;
using KvsGateway.Emulator.Hosting;

namespace KvsGateway.Commands;

/// <summary><c>emulator [--urls URL] [--Emulator:DataPath PATH]</c>: runs the KVS emulator alone, in the foreground.</summary>
public static class EmulatorCommand
{
    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var configuration = new ConfigurationBuilder().AddCommandLine(args).Build();
        var options = configuration.GetSection(EmulatorOptions.SectionName).Get<EmulatorOptions>() ?? new EmulatorOptions();
        var url = configuration["urls"] ?? "http://127.0.0.1:8081";
        var app = await EmulatorApplication.StartAsync(options, url, TimeProvider.System, null, cancellationToken).ConfigureAwait(false);
        await using (app.ConfigureAwait(false))
        {
            await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        }

        return 0;
    }
}
