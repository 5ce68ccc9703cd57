using System.Text.RegularExpressions;

namespace TopOfHeart.LiveBoard.Security;

/// <summary>
/// SignalR's WebSocket requests carry the key in the <c>access_token</c> query, and ASP.NET Core's request logging
/// ("Request starting … ?id=…&amp;access_token=…", Information) writes the whole URL before any middleware runs.
/// Every ASP.NET Core logger is wrapped so such a value is masked whatever the configured log levels and providers.
/// </summary>
public sealed partial class RedactingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    public const string Mask = "***";

    public ILogger CreateLogger(string categoryName)
    {
        var logger = inner.CreateLogger(categoryName);
        return categoryName.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) ? new RedactingLogger(logger) : logger;
    }

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();

    /// <summary>Masks <c>access_token=…</c> up to the next <c>&amp;</c>, space or quote.</summary>
    public static string Redact(string text) =>
        text.Contains("access_token", StringComparison.OrdinalIgnoreCase) ? Token().Replace(text, "$1" + Mask) : text;

    [GeneratedRegex(@"(access_token=)[^&\s""'#]*", RegexOptions.IgnoreCase)]
    private static partial Regex Token();

    private sealed class RedactingLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!inner.IsEnabled(logLevel)) return;
            var message = formatter(state, exception);
            var redacted = Redact(message);
            var values = state as IEnumerable<KeyValuePair<string, object?>>;
            var leaks = !string.Equals(redacted, message, StringComparison.Ordinal)
                || (values?.Any(p => p.Value is not null && Redact(p.Value.ToString() ?? "") != (p.Value.ToString() ?? "")) ?? false);
            if (!leaks)
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
                return;
            }

            var safe = new RedactedState(redacted, values?.Select(p => new KeyValuePair<string, object?>(
                p.Key, p.Key == "{OriginalFormat}" || p.Value is null ? p.Value : Redact(p.Value.ToString() ?? ""))).ToList() ?? []);
            inner.Log(logLevel, eventId, safe, exception, static (s, _) => s.Message);
        }
    }

    private sealed class RedactedState(string message, List<KeyValuePair<string, object?>> values) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public string Message => message;

        public int Count => values.Count;

        public KeyValuePair<string, object?> this[int index] => values[index];

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => values.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => message;
    }
}
