using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using IssueCore.Issues;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IssueCore.Client;

/// <summary>
/// Posts requests to an IssueCore server's <c>POST /issues/</c> with the API key. Timeouts,
/// connection errors, 408, 429 and 5xx are retried with jittered exponential back-off (timed by the
/// <see cref="TimeProvider"/>, stretched to a server's <c>Retry-After</c> up to
/// <see cref="IssueSinkOptions.MaxBackoff"/>) up to <see cref="IssueSinkOptions.MaxAttempts"/>; any other 4xx is
/// raised at once as an <see cref="IssueSinkException"/> carrying the server's problem details.
/// Retrying is safe because the server deduplicates by the triggering event id.
/// </summary>
public sealed partial class HttpIssueSink : IIssueSink
{
    /// <summary>The name of the <see cref="HttpClient"/> that <c>AddIssueSink()</c> registers (configure handlers on it).</summary>
    public const string HttpClientName = "IssueCore.IssueSink";

    private const int MaxResponseBytes = 64 * 1024;

    private readonly Func<HttpClient> _client;
    private readonly Uri _endpoint;
    private readonly IssueSinkOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    /// <summary>Creates the sink over an <see cref="HttpClient"/> the caller owns.</summary>
    /// <param name="httpClient">The client; its own timeout should exceed <see cref="IssueSinkOptions.AttemptTimeout"/>.</param>
    /// <param name="options">The options; <see cref="IssueSinkOptions.BaseAddress"/> and <see cref="IssueSinkOptions.ApiKey"/> are required.</param>
    /// <param name="timeProvider">Times back-off and attempt timeouts; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="logger">Receives retry and failure entries.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public HttpIssueSink(HttpClient httpClient, IssueSinkOptions options, TimeProvider? timeProvider = null, ILogger<HttpIssueSink>? logger = null)
        : this(Required(httpClient), options, timeProvider, logger)
    {
    }

    internal HttpIssueSink(Func<HttpClient> client, IssueSinkOptions options, TimeProvider? timeProvider, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = IssueSinkOptionsValidator.Failures(options, requireRest: true);
        if (failures.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", failures), nameof(options));
        }

        _client = client;
        _options = options;
        _endpoint = new Uri(options.BaseAddress!.AbsoluteUri.TrimEnd('/') + "/issues/");
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public async Task<IssueReference> EmitAsync(IssueSinkRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = JsonSerializer.SerializeToUtf8Bytes(WireIssueRequest.From(request), IssueSinkJsonContext.Default.WireIssueRequest);
        int? lastStatus = null;
        IssueSinkProblem? lastProblem = null;
        Exception? lastError = null;
        TimeSpan? retryAfter = null;

        for (var attempt = 1; ; attempt++)
        {
            using (var timeout = new CancellationTokenSource(_options.AttemptTimeout, _timeProvider))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token))
            {
                try
                {
                    using var message = new HttpRequestMessage(HttpMethod.Post, _endpoint);
                    message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.ApiKey);
                    message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                    message.Content = new ByteArrayContent(body);
                    message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };

                    using var response = await _client().SendAsync(message, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
                    var status = (int)response.StatusCode;
                    if (response.IsSuccessStatusCode)
                    {
                        return await ReadReferenceAsync(response, attempt, linked.Token).ConfigureAwait(false);
                    }

                    var problem = await ReadProblemAsync(response, linked.Token).ConfigureAwait(false);
                    if (!IsTransient(response.StatusCode))
                    {
                        LogRefused(_logger, status, request.TriggeringEventId, problem?.Detail);
                        throw new IssueSinkException($"The server refused the issue with {status}: {problem?.Detail ?? response.ReasonPhrase}", status, problem, attempt, isTransient: false);
                    }

                    lastStatus = status;
                    lastProblem = problem;
                    lastError = null;
                    retryAfter = RetryAfter(response);
                }
                catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
                {
                    retryAfter = null;
                    lastStatus = null;
                    lastProblem = null;
                    lastError = new TimeoutException($"The attempt did not complete within {_options.AttemptTimeout}.", ex);
                }
                catch (HttpRequestException ex)
                {
                    retryAfter = null;
                    lastStatus = null;
                    lastProblem = null;
                    lastError = ex;
                }
            }

            if (attempt >= _options.MaxAttempts)
            {
                LogGaveUp(_logger, attempt, request.TriggeringEventId, lastStatus, lastError);
                throw new IssueSinkException(
                    $"The issue could not be emitted after {attempt} attempt(s): {(lastStatus is { } s ? $"the server answered {s}" : lastError?.Message)}",
                    lastStatus,
                    lastProblem,
                    attempt,
                    isTransient: true,
                    lastError);
            }

            // A server's Retry-After is honoured, but never beyond MaxBackoff.
            var delay = Backoff(attempt);
            if (retryAfter is { } wanted && wanted > delay)
            {
                delay = wanted < _options.MaxBackoff ? wanted : _options.MaxBackoff;
            }

            LogRetrying(_logger, attempt, request.TriggeringEventId, lastStatus, delay.TotalMilliseconds, lastError);
            await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Equal jitter: half the exponential step is kept, the other half is random, so retries from many clients spread out.</summary>
    internal TimeSpan Backoff(int attempt)
    {
        var exponential = _options.InitialBackoff.Ticks * Math.Pow(2, Math.Min(attempt - 1, 30));
        var capped = Math.Min(exponential, _options.MaxBackoff.Ticks);
        var half = capped / 2;
        return TimeSpan.FromTicks((long)(half + (Random.Shared.NextDouble() * half)));
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - _timeProvider.GetUtcNow(),
        _ => null,
    };

    private static bool IsTransient(HttpStatusCode status)
        => status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    private static async Task<IssueReference> ReadReferenceAsync(HttpResponseMessage response, int attempt, CancellationToken cancellationToken)
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
            throw new IssueSinkException("The server's answer has no valid issue_id.", (int)response.StatusCode, null, attempt, isTransient: false);
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

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Issue emission attempt {Attempt} for triggering event {TriggeringEventId} failed (status {Status}); retrying in {DelayMs} ms")]
    private static partial void LogRetrying(ILogger logger, int attempt, string triggeringEventId, int? status, double delayMs, Exception? exception);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Error, Message = "Issue emission for triggering event {TriggeringEventId} gave up after {Attempt} attempts (last status {Status})")]
    private static partial void LogGaveUp(ILogger logger, int attempt, string triggeringEventId, int? status, Exception? exception);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Error, Message = "The server refused the issue for triggering event {TriggeringEventId} with {Status}: {Detail}")]
    private static partial void LogRefused(ILogger logger, int status, string triggeringEventId, string? detail);
}
