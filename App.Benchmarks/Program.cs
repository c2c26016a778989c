using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

// The generated benchmark project rebuilds the whole app; on a busy 2-core machine that exceeds the default 2 minutes.
// Median beside Mean: on a shared machine a few disturbed iterations move the mean, not the median.
var config = ManualConfig.Create(DefaultConfig.Instance)
    .WithBuildTimeout(TimeSpan.FromMinutes(10))
    .AddColumn(StatisticColumn.Median);
BenchmarkSwitcher.FromAssembly(typeof(NasDash.Benchmarks.VerificationBenchmarks).Assembly).Run(args, config);
