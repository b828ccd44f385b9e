using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using IssueCore.Issues;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IssueCore.Client;

/// <summary>
/// Posts requests to an IssueCore server's <c>POST /issues/</c> with the API key, one request per call. Timeouts,
/// connection errors, 408, 429 and 5xx are raised as an <see cref="IssueSinkException"/> with
/// <see cref="IssueSinkException.IsTransient"/> set; any other 4xx is raised as one carrying the server's problem
/// details. Retrying is the <see cref="HttpClient"/>'s job: <c>AddIssueSink()</c> of the IssueCore.Client.Http package
/// gives the named client <see cref="HttpClientName"/> the standard resilience handler (retries with back-off,
/// timeouts); a sink over a client of your own retries only if that client does. Retrying is safe because the server
/// deduplicates by the triggering event id.
/// </summary>
public sealed partial class HttpIssueSink : IIssueSink
{
    /// <summary>The name of the <see cref="HttpClient"/> that <c>AddIssueSink()</c> registers (configure handlers on it).</summary>
    public const string HttpClientName = "IssueCore.IssueSink";

    private const int MaxResponseBytes = 64 * 1024;

    private readonly Func<HttpClient> _client;
    private readonly Uri _endpoint;
    private readonly IssueSinkOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates the sink over an <see cref="HttpClient"/> the caller owns.</summary>
    /// <param name="httpClient">The client; its handlers (retries, timeouts) apply to every request.</param>
    /// <param name="options">The options; <see cref="IssueSinkOptions.BaseAddress"/> and <see cref="IssueSinkOptions.ApiKey"/> are required.</param>
    /// <param name="timeProvider">Kept for compatibility; the sink no longer times anything itself.</param>
    /// <param name="logger">Receives failure entries.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public HttpIssueSink(HttpClient httpClient, IssueSinkOptions options, TimeProvider? timeProvider = null, ILogger<HttpIssueSink>? logger = null)
        : this(Required(httpClient), options, timeProvider, logger)
    {
    }

    internal HttpIssueSink(Func<HttpClient> client, IssueSinkOptions options, TimeProvider? timeProvider, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _ = timeProvider;
        var failures = IssueSinkOptionsValidator.Failures(options, requireRest: true);
        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", failures), nameof(options));
        }

        _client = client;
        _options = options;
        _endpoint = new Uri(options.BaseAddress!.AbsoluteUri.TrimEnd('/') + "/issues/");
        _logger = logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public async Task<IssueReference> EmitAsync(IssueSinkRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = JsonSerializer.SerializeToUtf8Bytes(WireIssueRequest.From(request), IssueSinkJsonContext.Default.WireIssueRequest);
        try
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, _endpoint);
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.ApiKey);
            message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            message.Content = new ByteArrayContent(body);
            message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };

            using var response = await _client().SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return await ReadReferenceAsync(response, cancellationToken).ConfigureAwait(false);
            }

            var problem = await ReadProblemAsync(response, cancellationToken).ConfigureAwait(false);
            if (!IsTransient(response.StatusCode))
            {
                LogRefused(_logger, status, request.TriggeringEventId, problem?.Detail);
                throw new IssueSinkException($"The server refused the issue with {status}: {problem?.Detail ?? response.ReasonPhrase}", status, problem, 1, isTransient: false);
            }

            LogFailed(_logger, request.TriggeringEventId, status, null);
            throw new IssueSinkException($"The issue could not be emitted: the server answered {status}", status, problem, 1, isTransient: true);
        }
        catch (Exception ex) when (ex is not IssueSinkException && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            // Whatever the client's pipeline raised once its handlers gave up: a connection error, a timeout (the
            // resilience handler's own timeout exception included), an open circuit.
            LogFailed(_logger, request.TriggeringEventId, null, ex);
            throw new IssueSinkException($"The issue could not be emitted: {ex.Message}", null, null, 1, isTransient: true, ex);
        }
    }

    private static bool IsTransient(HttpStatusCode status)
        => status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    private static async Task<IssueReference> ReadReferenceAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        WireIssueReference? wire = null;
        try
        {
            wire = await response.Content.ReadFromJsonAsync(IssueSinkJsonContext.Default.WireIssueReference, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            // Reported below as a response the sink does not understand.
        }

        if (wire is null || !IssueId.TryParse(wire.IssueId, null, out var id))
        {
            throw new IssueSinkException("The server's answer has no valid issue_id.", (int)response.StatusCode, null, 1, isTransient: false);
        }

        return new IssueReference
        {
            IssueId = id,
            IssueUrl = wire.IssueUrl,
            Backend = wire.Backend ?? "issuecore",
            Created = wire.Created ?? response.StatusCode == HttpStatusCode.Created,
        };
    }

    private static async Task<IssueSinkProblem?> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType is null || !(mediaType.EndsWith("/json", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase))
            || response.Content.Headers.ContentLength > MaxResponseBytes)
        {
            return null;
        }

        try
        {
            var wire = await response.Content.ReadFromJsonAsync(IssueSinkJsonContext.Default.WireProblem, cancellationToken).ConfigureAwait(false);
            if (wire is null)
            {
                return null;
            }

            var errors = wire.Errors?.Select(e => new ValidationError(e.Path ?? "$", e.Message ?? string.Empty)).ToArray() ?? [];
            return new IssueSinkProblem(wire.Type, wire.Title, wire.Status, wire.Detail, errors);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static Func<HttpClient> Required(HttpClient httpClient)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        return () => httpClient;
    }

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Issue emission for triggering event {TriggeringEventId} failed (status {Status}); the client's handlers retried it as configured")]
    private static partial void LogFailed(ILogger logger, string triggeringEventId, int? status, Exception? exception);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Error, Message = "The server refused the issue for triggering event {TriggeringEventId} with {Status}: {Detail}")]
    private static partial void LogRefused(ILogger logger, int status, string triggeringEventId, string? detail);
}
