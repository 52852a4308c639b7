using Microsoft.Extensions.Logging;

namespace PushConsole.Tests.Infrastructure;

/// <summary>Keeps what a host logs, for tests that check a line was written (add with <c>services.AddSingleton&lt;ILoggerProvider&gt;(capture)</c>).</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly List<(LogLevel Level, string Category, string Message)> entries = [];

    public IReadOnlyList<(LogLevel Level, string Category, string Message)> Entries { get { lock (entries) return entries.ToList(); } }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (capture.entries) capture.entries.Add((logLevel, category, formatter(state, exception)));
        }
    }
}
