using System.Diagnostics;
using System.Text.Unicode;
using IssueCore.Blueprints;
using IssueCore.Enhance.Governance;
using IssueCore.Issues;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace IssueCore.Ingestion;

/// <summary>Validates, maps and enqueues ingestion requests; deduplication is the store's create.</summary>
internal sealed partial class IssueIngestionService : IIssueIngestionService
{
    private readonly IIssueStore _store;
    private readonly IBlueprintResolver _resolver;
    private readonly IssueIngestionOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly FlowSeriesGuard? _flowSeries;
    private readonly IssueCore.Enhance.DispatchSignal? _enqueued;
    private readonly IssueCore.Enhance.Spawning.PatchSpawnerSelector? _spawners;
    private readonly IBlueprintStore? _blueprints;

    public IssueIngestionService(
        IIssueStore store,
        IBlueprintResolver resolver,
        IOptions<IssueIngestionOptions> options,
        TimeProvider timeProvider,
        ILogger<IssueIngestionService>? logger = null,
        FlowSeriesGuard? flowSeries = null,
        IssueCore.Enhance.DispatchSignal? enqueued = null,
        IssueCore.Enhance.Spawning.PatchSpawnerSelector? spawners = null,
        IBlueprintStore? blueprints = null)
    {
        _spawners = spawners;
        _enqueued = enqueued;
        _blueprints = blueprints;
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _resolver = resolver;
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _flowSeries = flowSeries;
    }

    public Task<IngestionResult> IngestAsync(IngestionRequest request, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return IngestCoreAsync(request, new IngestionContext { IdempotencyKey = idempotencyKey }, [], null, [], cancellationToken);
    }

    public Task<IngestionResult> IngestJsonAsync(ReadOnlyMemory<byte> utf8Json, string? idempotencyKey = null, CancellationToken cancellationToken = default)
        => IngestTransportJsonAsync(utf8Json, new IngestionContext { IdempotencyKey = idempotencyKey }, cancellationToken);

    public Task<IngestionResult> IngestTransportJsonAsync(ReadOnlyMemory<byte> utf8Json, IngestionContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (utf8Json.Length > _options.MaxBodyBytes)
        {
            throw Rejected(new ValidationException("$", $"The body is {utf8Json.Length} bytes; at most {_options.MaxBodyBytes} are accepted."));
        }

        if (!Utf8.IsValid(utf8Json.Span))
        {
            throw Rejected(new ValidationException("$", "The body is not valid UTF-8."));
        }

        var errors = new List<ValidationError>();
        var reported = new HashSet<string>(StringComparer.Ordinal);
        var unknown = new List<string>();
        IngestionRequest request;
        try
        {
            request = IngestionRequestParser.Parse(utf8Json, errors, reported, unknown);
        }
        catch (ValidationException ex)
        {
            throw Rejected(ex);
        }

        return IngestCoreAsync(request, context, errors, reported, unknown, cancellationToken);
    }

    private async Task<IngestionResult> IngestCoreAsync(
        IngestionRequest request,
        IngestionContext context,
        List<ValidationError> errors,
        HashSet<string>? reported,
        List<string> unknown,
        CancellationToken cancellationToken)
    {
        var idempotencyKey = context.IdempotencyKey;
        IngestionRequestValidator.Validate(request, idempotencyKey, errors, reported);

        // One event is one issue whatever the transport: the key is always the triggering event id, and a transport's own
        // key (the HTTP Idempotency-Key header) that names another event would split one event into two issues.
        if (idempotencyKey is not null && request.TriggeringEventId is { } eventId && !string.Equals(idempotencyKey, eventId, StringComparison.Ordinal)
            && !errors.Exists(e => e.Path == "idempotency_key"))
        {
            errors.Add(new ValidationError("idempotency_key", "must equal $.triggering_event_id when both are given: the triggering event id is the idempotency key on every transport."));
        }

        // The resolver runs even when other members are invalid, so its complaint is listed too.
        BlueprintId blueprintId = default;
        if ((reported is null || !(reported.Contains("target_repo") || reported.Contains("blueprint_id")))
            && IngestionRequestValidator.IsResolvable(request))
        {
            try
            {
                blueprintId = await _resolver.ResolveAsync(request, cancellationToken).ConfigureAwait(false);

                // A flow series is not the target of ordinary issues: such an issue could change the flow that judges issues.
                var targetPath = request.BlueprintId is null ? "$.target_repo" : "$.blueprint_id";
                if (_flowSeries is not null && await _flowSeries.WhyProtectedAsync(blueprintId, cancellationToken).ConfigureAwait(false) is { } protectedSeries)
                {
                    errors.Add(new ValidationError(targetPath, protectedSeries));
                }
                else if (_options.RequireExistingSeries && _blueprints is not null && !await SeriesExistsAsync(blueprintId, cancellationToken).ConfigureAwait(false))
                {
                    errors.Add(new ValidationError(
                        targetPath,
                        $"no Blueprint series '{blueprintId.Value}' exists: create it first (IBlueprintStore.WriteNewAsync with no parents), or set IssueIngestionOptions.RequireExistingSeries to false on a host that creates series later."));
                }
            }
            catch (ValidationException ex)
            {
                errors.AddRange(ex.Errors);
            }
        }

        if (_options.RefuseWithoutPatchOrSpawner && request.Patch is null && _spawners?.WhyRefuseAtIngestion(_logger) is { } noSpawner)
        {
            errors.Add(new ValidationError("$.patch", noSpawner));
        }

        if (errors.Count > 0)
        {
            throw Rejected(new ValidationException(errors));
        }

        var warnings = Warnings(unknown, context.TraceParent, out var traceParent);
        var key = request.TriggeringEventId!;
        var draft = new IssueDraft
        {
            BlueprintId = blueprintId,
            Intent = request.Intent ?? ComposeIntent(request),
            Patch = request.Patch,
            Title = request.Title!,
            Description = request.Description,
            Priority = request.Priority!.Value,
            Labels = request.Labels is { } labels ? [.. labels] : [],
            DueAt = request.DueInDays is { } days ? _timeProvider.GetUtcNow().AddDays(days) : null,
            Source = new IssueSource(request.SourceType!.Value, request.SourceId, request.TriggeringEventId, request.ActivityDefinitionId),
            IdempotencyKey = key,
            TargetRepo = request.TargetRepo,
            TraceParent = traceParent,
        };

        var result = await _store.CreateAsync(draft, cancellationToken).ConfigureAwait(false);
        var id = result.Issue.Id;
        if (result.Created)
        {
            _enqueued?.Notify(); // wakes an idle dispatcher of this process at once
            LogIngested(_logger, id.Value, blueprintId.Value, key);
        }
        else
        {
            // The IETF Idempotency-Key convention: a key replayed with the same payload answers the first issue;
            // reused for a different payload it is refused, never silently answered with an unrelated issue.
            var first = IngestionFingerprint.Of(result.Issue);
            var again = IngestionFingerprint.Of(draft);
            if (!string.Equals(first, again, StringComparison.Ordinal))
            {
                LogKeyReused(_logger, key, id.Value);
                throw new ConflictException(
                    $"The idempotency key '{key}' was already used for issue {id.Value} with a different payload; send a new key (or triggering_event_id) for a different request, or the same payload to get issue {id.Value} back.",
                    expected: first,
                    actual: again);
            }

            LogDuplicate(_logger, id.Value, key);
        }

        return new IngestionResult
        {
            IssueId = id,
            IssueUrl = _options.IssueBaseUrl is { } baseUrl ? $"{baseUrl.TrimEnd('/')}/{Uri.EscapeDataString(id.Value)}" : null,
            Backend = _options.Backend,
            Created = result.Created,
            Warnings = warnings,
        };
    }

    /// <summary>What the request carried that ingestion ignores; logged once per request.</summary>
    private List<IngestionWarning> Warnings(List<string> unknown, string? traceParentHeader, out string? traceParent)
    {
        var warnings = new List<IngestionWarning>(unknown.Count + 1);
        foreach (var path in unknown)
        {
            warnings.Add(new IngestionWarning(path, "is not a member of the ingestion request; ignored."));
        }

        traceParent = null;
        if (traceParentHeader is not null)
        {
            if (ActivityContext.TryParse(traceParentHeader, null, isRemote: true, out _))
            {
                traceParent = traceParentHeader;
            }
            else
            {
                warnings.Add(new IngestionWarning("traceparent", "is not a W3C traceparent; ignored."));
            }
        }

        if (warnings.Count > 0)
        {
            LogIgnored(_logger, warnings.Count, string.Join(", ", warnings.Select(w => w.Path)));
        }

        return warnings;
    }

    private async Task<bool> SeriesExistsAsync(BlueprintId id, CancellationToken cancellationToken)
    {
        try
        {
            await _blueprints!.ReadHeadAsync(id, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (NotFoundException)
        {
            return false;
        }
    }

    private static string ComposeIntent(IngestionRequest request)
        => string.IsNullOrWhiteSpace(request.Description) ? request.Title! : $"{request.Title}\n\n{request.Description}";

    private ValidationException Rejected(ValidationException exception)
    {
        LogRejected(_logger, exception.Errors.Count, exception.Path);
        return exception;
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Ingested issue {IssueId} for {BlueprintId} (idempotency key {IdempotencyKey})")]
    private static partial void LogIngested(ILogger logger, string issueId, string blueprintId, string idempotencyKey);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "Duplicate ingestion of idempotency key {IdempotencyKey} returned issue {IssueId}")]
    private static partial void LogDuplicate(ILogger logger, string issueId, string idempotencyKey);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Debug, Message = "Rejected an ingestion request with {ErrorCount} problem(s), the first at {Path}")]
    private static partial void LogRejected(ILogger logger, int errorCount, string path);

    [LoggerMessage(EventId = 6480, Level = LogLevel.Warning, Message = "Accepted an ingestion request and ignored {WarningCount} part(s) of it: {Paths}")]
    private static partial void LogIgnored(ILogger logger, int warningCount, string paths);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Warning, Message = "Idempotency key {IdempotencyKey} of issue {IssueId} was reused with a different payload; refused")]
    private static partial void LogKeyReused(ILogger logger, string idempotencyKey, string issueId);
}
