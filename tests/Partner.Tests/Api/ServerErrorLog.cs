using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Partner.Tests.Api;

/// <summary>Errors the server logs (an unhandled exception names its type and message here, never in the response).</summary>
internal sealed class ErrorLog : ILoggerProvider
{
    private readonly ConcurrentQueue<string> entries = new();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, entries);

    public IReadOnlyList<string> Distinct() => [.. entries.Distinct().Take(30)];

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                var cause = exception is null ? "" : $" — {exception.GetType().FullName}: {exception.Message.Split('\n')[0]}";
                var message = formatter(state, exception);
                entries.Enqueue($"{category}{cause} — {(message.Length <= 200 ? message : message[..200] + "…")}");
            }
        }
    }
}
