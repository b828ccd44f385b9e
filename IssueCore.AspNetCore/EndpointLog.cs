using Microsoft.Extensions.Logging;

namespace IssueCore.AspNetCore;

/// <summary>Log messages of the HTTP endpoints (event ids 7000–7099, listed in LOG_EVENTS.md).</summary>
internal static partial class EndpointLog
{
    [LoggerMessage(EventId = 7001, Level = LogLevel.Warning, Message = "IssueCore endpoints under {Path} run WITHOUT authentication (AllowAnonymousDevelopment and no API key): anyone who reaches them can submit and read issues")]
    public static partial void Anonymous(ILogger logger, string path);
}
