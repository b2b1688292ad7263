using KvsGateway.Hosting;

var app = await GatewayApplication.CreateAsync(args);
await app.RunAsync();
