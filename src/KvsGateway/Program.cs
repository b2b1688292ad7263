using KvsGateway.Commands;
using KvsGateway.Hosting;

SocketRuntimeDefaults.Apply();

// Verbs beside the gateway itself: a standalone emulator and a command-line PutMedia producer.
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

switch (args.FirstOrDefault())
{
    case "ingest":
        return await IngestCommand.RunAsync(args[1..], Console.Out, stop.Token);
    case "emulator":
        return await EmulatorCommand.RunAsync(args[1..], stop.Token);
    default:
        var app = await GatewayApplication.CreateAsync(args);
        await app.RunAsync();
        return 0;
}
