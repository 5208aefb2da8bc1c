using Partner.Benchmarks;

return await BenchmarkRunner.RunAsync(args);
