using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(KvsGateway.Benchmarks.PackagingBenchmarks).Assembly).Run(args);
