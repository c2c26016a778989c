using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(NasDash.Benchmarks.VerificationBenchmarks).Assembly).Run(args);
