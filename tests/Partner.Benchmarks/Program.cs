using Partner.Benchmarks;

return args is [BareHub.Command, ..]
    ? await BareHub.ServeAsync(args, LivePush.Loopback)
    : await BenchmarkRunner.RunAsync(args);
