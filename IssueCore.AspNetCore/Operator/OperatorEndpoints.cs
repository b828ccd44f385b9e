using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using IssueCore.AspNetCore.Issues;
using IssueCore.AspNetCore.Problems;
using IssueCore.Blueprints;
using IssueCore.Council;
using IssueCore.Enhance;
using IssueCore.Issues;
using IssueCore.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IssueCore.AspNetCore.Operator;

/// <summary>The read and act handlers. Bodies are written with the source-generated serializer; no reflection-based binding.</summary>
internal sealed partial class OperatorEndpoints(OperatorGate gate, IssueCoreOperatorApiOptions options)
{
    private const string FailedReason = "dispatch_failed";

    public Task ListBlueprintsAsync(HttpContext context) => RunAsync(context, IssueCoreOperatorVerbs.Read, "blueprints", async (_, services, ct) =>
    {
        if (await PagingAsync(context).ConfigureAwait(false) is not { } paging)
        {
            return;
        }

        // Archived series are hidden unless asked for with include_archived=true.
        var includeArchived = Single(context, "include_archived");
        if (includeArchived is not null and not "true" and not "false")
        {
            await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, "include_archived must be true or false.").ConfigureAwait(false);
            return;
        }

        BlueprintId? after = null;
        if (paging.After is { } cursor)
        {
            if (!BlueprintId.TryParse(cursor, null, out var last))
            {
                await BadPageAsync(context).ConfigureAwait(false);
                return;
            }

            after = last;
        }

        var store = services.GetRequiredService<IBlueprintStore>();
        var source = store.ListIdsAfterAsync(after, ct);
        if (includeArchived != "true")
        {
            source = UnarchivedAsync(store, source, ct);
        }

        var (ids, next) = await PageCursor.TakeAsync(source, id => id.Value, paging.Limit, ct).ConfigureAwait(false);

        var items = new List<BlueprintSummaryResponse>(ids.Count);
        foreach (var id in ids)
        {
            var head = await store.ReadHeadAsync(id, ct).ConfigureAwait(false);
            var archived = await store.IsArchivedAsync(id, ct).ConfigureAwait(false);
            items.Add(new BlueprintSummaryResponse(id.Value, head.Value.Version.Value, head.Value.VersionLabel, archived, head.Trace.Timestamp));
        }

        await WriteAsync(context, new BlueprintListResponse(items, next), OperatorJsonContext.Default.BlueprintListResponse).ConfigureAwait(false);
    });

    private static async IAsyncEnumerable<BlueprintId> UnarchivedAsync(IBlueprintStore store, IAsyncEnumerable<BlueprintId> ids, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var id in ids.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            bool archived;
            try
            {
                archived = await store.IsArchivedAsync(id, cancellationToken).ConfigureAwait(false);
            }
            catch (NotFoundException)
            {
                continue;
            }

            if (!archived)
            {
                yield return id;
            }
        }
    }

    public Task GetBlueprintAsync(HttpContext context) => RunAsync(context, IssueCoreOperatorVerbs.Read, Route(context, "id"), async (_, services, ct) =>
    {
        if (await BlueprintIdAsync(context).ConfigureAwait(false) is not { } id)
        {
            return;
        }

        var store = services.GetRequiredService<IBlueprintStore>();
        var head = await store.ReadHeadAsync(id, ct).ConfigureAwait(false);
        await WriteVersionAsync(context, store, id, head, isHead: true, ct).ConfigureAwait(false);
    });

    public Task GetVersionAsync(HttpContext context) => RunAsync(context, IssueCoreOperatorVerbs.Read, Route(context, "id"), async (_, services, ct) =>
    {
        if (await BlueprintIdAsync(context).ConfigureAwait(false) is not { } id
            || await VersionAsync(context, Route(context, "version"), "version").ConfigureAwait(false) is not { } version)
        {
            return;
        }

        var store = services.GetRequiredService<IBlueprintStore>();
        var read = await store.ReadVersionAsync(id, version, ct).ConfigureAwait(false);
        var head = await store.ReadHeadAsync(id, ct).ConfigureAwait(false);
        await WriteVersionAsync(context, store, id, read, head.Value.Version == version, ct).ConfigureAwait(false);
    });

    public Task HistoryAsync(HttpContext context) => RunAsync(context, IssueCoreOperatorVerbs.Read, Route(context, "id"), async (_, services, ct) =>
    {
        if (await BlueprintIdAsync(context).ConfigureAwait(false) is not { } id || await PagingAsync(context).ConfigureAwait(false) is not { } paging)
        {
            return;
        }

        var store = services.GetRequiredService<IBlueprintStore>();
        var items = new List<CommitResponse>(Math.Min(paging.Limit, 128));
        string? next = null;
        if (paging.After is null)
        {
            var history = await store.HistoryAsync(id, paging.Limit + 1, ct).ConfigureAwait(false);
            if (history.Count == 0)
            {
                // A series with no commit does not exist: the head read names it.
                await store.ReadHeadAsync(id, ct).ConfigureAwait(false);
            }

            items.AddRange(history.Take(paging.Limit).Select(ToCommit));
            next = history.Count > paging.Limit ? PageCursor.Encode(items[^1].Version) : null;
        }
        else
        {
            if (!BlueprintVersion.TryParse(paging.After, null, out var cursor))
            {
                await BadPageAsync(context).ConfigureAwait(false);
                return;
            }

            // Walk the first parents from the last version shown: one commit read per item, only the page in memory.
            var commit = await store.ReadCommitAsync(id, cursor, ct).ConfigureAwait(false);
            while (commit.Parents.Count > 0)
            {
                if (items.Count == paging.Limit)
                {
                    next = PageCursor.Encode(items[^1].Version);
                    break;
                }

                commit = await store.ReadCommitAsync(id, commit.Parents[0], ct).ConfigureAwait(false);
                items.Add(ToCommit(commit));
            }
        }

        await WriteAsync(context, new CommitListResponse(items, next), OperatorJsonContext.Default.CommitListResponse).ConfigureAwait(false);
    });

    public Task DiffAsync(HttpContext context) => RunAsync(context, IssueCoreOperatorVerbs.Read, Route(context, "id"), async (_, services, ct) =>
    {
        if (await BlueprintIdAsync(context).ConfigureAwait(false) is not { } id
            || await VersionAsync(context, Single(context, "from"), "from").ConfigureAwait(false) is not { } from
            || await VersionAsync(context, Single(context, "to"), "to").ConfigureAwait(false) is not { } to)
        {
            return;
        }

        var store = services.GetRequiredService<IBlueprintStore>();
        var before = await store.ReadVersionAsync(id, from, ct).ConfigureAwait(false);
        var after = await store.ReadVersionAsync(id, to, ct).ConfigureAwait(false);
        var fromCommit = await store.ReadCommitAsync(id, from, ct).ConfigureAwait(false);
        var toCommit = await store.ReadCommitAsync(id, to, ct).ConfigureAwait(false);
        var patch = JsonPatch.Diff(before.Value.Root, after.Value.Root);
        using var document = JsonDocument.Parse(patch.ToJsonString());
        var body = new DiffResponse(id.Value, from.Value, to.Value, ToCommit(fromCommit), ToCommit(toCommit), document.RootElement.Clone());
        await WriteAsync(context, body, OperatorJsonContext.Default.DiffResponse).ConfigureAwait(false);
    });

    public Task EnhanceLogAsync(HttpContext context) => ListLogAsync(context, byBlueprint: false);

    public Task BlueprintEnhanceLogAsync(HttpContext context) => ListLogAsync(context, byBlueprint: true);

    public Task ArchiveAsync(HttpContext context) => SetArchivedAsync(context, archived: true);

    public Task UnarchiveAsync(HttpContext context) => SetArchivedAsync(context, archived: false);

    public Task ListRunsAsync(HttpContext context) => RunAsync(context, IssueCoreOperatorVerbs.Read, "runs", async (_, services, ct) =>
    {
        CouncilRunStatus? status = null;
        if (Single(context, "status") is { } statusText)
        {
            if (!TryParseRunStatus(statusText, out var parsed))
            {
                await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, "status must be one of: running, awaiting_approval, interrupted, completed, failed, cancelled.").ConfigureAwait(false);
                return;
            }

            status = parsed;
        }

        if (await PagingAsync(context).ConfigureAwait(false) is not { } paging)
        {
            return;
        }

        // ?issue=ID: the runs that dispatched one issue (newest first); combined with ?status, only those in that status.
        IssueId? issue = null;
        if (Single(context, "issue") is { } issueText)
        {
            if (!IssueId.TryParse(issueText, null, out var parsedIssue))
            {
                await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, "issue must be an issue id.").ConfigureAwait(false);
                return;
            }

            issue = parsedIssue;
        }

        CouncilRunId? after = null;
        if (paging.After is { } cursor)
        {
            if (!CouncilRunId.TryParse(cursor, null, out var last))
            {
                await BadPageAsync(context).ConfigureAwait(false);
                return;
            }

            after = last;
        }

        var runs = services.GetRequiredService<ICouncilRepository>();
        var source = issue is { } issueId
            ? RunsAfter(runs.ListRunsBySubjectAsync(CouncilRunSubjects.ForIssue(issueId), ct).Where(r => status is null || r.Status == status), after)
            : runs.ListRunsAfterAsync(status, after, ct);
        List<CouncilRun> items;
        string? next;
        try
        {
            (items, next) = await PageCursor.TakeAsync(source, r => r.Id.Value, paging.Limit, ct).ConfigureAwait(false);
        }
        catch (NotFoundException) when (after is not null)
        {
            // The cursor's run is gone (purged by retention): the token no longer names a position.
            await BadPageAsync(context).ConfigureAwait(false);
            return;
        }

        await WriteAsync(context, new RunListResponse([.. items.Select(r => ToRun(r, withGraph: false))], next), OperatorJsonContext.Default.RunListResponse).ConfigureAwait(false);
    });

    /// <summary>
    /// The runs of one issue after the cursor's run. An issue has a run per dispatch round (a handful), so skipping to
    /// the cursor in the stream costs no more than the page; an unknown cursor is <see cref="NotFoundException"/>.
    /// </summary>
    private static async IAsyncEnumerable<CouncilRun> RunsAfter(IAsyncEnumerable<CouncilRun> source, CouncilRunId? after)
    {
        var found = after is null;
        await foreach (var run in source.ConfigureAwait(false))
        {
            if (found)
            {
                yield return run;
            }
            else if (run.Id == after)
            {
                found = true;
            }
        }

        if (!found)
        {
            throw new NotFoundException("council run", after!.Value.Value);
        }
    }

    public Task GetRunAsync(HttpContext context) => RunAsync(context, IssueCoreOperatorVerbs.Read, Route(context, "id"), async (_, services, ct) =>
    {
        if (await RunIdAsync(context).ConfigureAwait(false) is not { } id)
        {
            return;
        }

        var run = await services.GetRequiredService<ICouncilRepository>().GetRunAsync(id, ct).ConfigureAwait(false)
                  ?? throw new NotFoundException("run", id.Value);
        await WriteAsync(context, ToRun(run, withGraph: true), OperatorJsonContext.Default.RunResponse).ConfigureAwait(false);
    });

    public Task RunEventsAsync(HttpContext context) => RunAsync(context, IssueCoreOperatorVerbs.Read, Route(context, "id"), async (_, services, ct) =>
    {
        if (await RunIdAsync(context).ConfigureAwait(false) is not { } id)
        {
            return;
        }

        var runs = services.GetRequiredService<ICouncilRepository>();
        if (await runs.GetRunAsync(id, ct).ConfigureAwait(false) is null)
        {
            throw new NotFoundException("run", id.Value);
        }
        if (RunEventStream.Wants(context.Request))
        {
            if (RunEventStream.StartAfter(context.Request) is not { } start)
            {
                await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, "Last-Event-ID (or after) must be a non-negative integer.").ConfigureAwait(false);
                return;
            }

            var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
            await new RunEventStream(runs, time, options.EventStreamPollInterval, options.EventStreamMaxDuration).WriteAsync(context, id, start, ct).ConfigureAwait(false);
            return;
        }

        if (await PagingAsync(context).ConfigureAwait(false) is not { } paging)
        {
            return;
        }

        long after = 0;
        if (paging.After is { } cursor && (!long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out after) || after < 1))
        {
            await BadPageAsync(context).ConfigureAwait(false);
            return;
        }

        var (events, next) = await PageCursor.TakeAsync(runs.ListEventsAfterAsync(id, after, ct), e => e.Sequence.ToString(CultureInfo.InvariantCulture), paging.Limit, ct).ConfigureAwait(false);
        await WriteAsync(context, new RunEventListResponse([.. events.Select(ToEvent)], next), OperatorJsonContext.Default.RunEventListResponse).ConfigureAwait(false);
    });

    public Task RequeueAsync(HttpContext context) => RunAsync(context, IssueCoreOperatorVerbs.Requeue, Route(context, "id"), async (caller, services, ct) =>
    {
        if (await IssueIdAsync(context).ConfigureAwait(false) is not { } id)
        {
            return;
        }

        var result = await services.GetRequiredService<EnhanceApplication>().RequeueAsync(id, caller.Name, ct).ConfigureAwait(false);
        var logger = OperatorGate.LoggerOf(context);
        if (logger.IsEnabled(LogLevel.Information))
        {
            OperatorLog.Acted(logger, IssueCoreOperatorVerbs.Requeue, id.Value, caller.Name, caller.KeyRole, result.Requeued ? "requeued" : "unchanged (" + Lower(result.Issue.Status.State) + ")");
        }

        var body = new RequeueResponse(id.Value, result.Requeued, Lower(result.Issue.Status.State), result.Issue.Round, result.Issue.Attempts, caller.Name);
        await WriteAsync(context, body, OperatorJsonContext.Default.RequeueResponse).ConfigureAwait(false);
    });

    public Task IssueHistoryAsync(HttpContext context) => RunAsync(context, IssueCoreOperatorVerbs.Read, Route(context, "id"), async (_, services, ct) =>
    {
        if (await IssueIdAsync(context).ConfigureAwait(false) is not { } id)
        {
            return;
        }

        var issues = services.GetRequiredService<IIssueStore>();
        var issue = await issues.GetAsync(id, ct).ConfigureAwait(false);
        var requeues = await issues.ListRequeuesAsync(id, ct).ConfigureAwait(false);
        var log = services.GetService<IEnhanceLogStore>() is { } store ? await store.FindAsync(id, ct).ConfigureAwait(false) : null;
        var body = new IssueHistoryResponse(
            id.Value,
            Lower(issue.Status.State),
            issue.Round,
            issue.Attempts,
            [.. requeues.Select(r => new RequeueEntryResponse(
                r.Round,
                r.RequestedBy,
                r.RequeuedAt,
                Lower(r.PreviousStatus.State),
                r.PreviousStatus.State == IssueState.Failed && !options.ExposeErrorDetail ? FailedReason : r.PreviousStatus.Reason,
                r.PreviousAttempts))],
            log is null ? null : ToLog(log));
        await WriteAsync(context, body, OperatorJsonContext.Default.IssueHistoryResponse).ConfigureAwait(false);
    });

    private Task SetArchivedAsync(HttpContext context, bool archived)
    {
        var verb = archived ? IssueCoreOperatorVerbs.Archive : IssueCoreOperatorVerbs.Unarchive;
        return RunAsync(context, verb, Route(context, "id"), async (caller, services, ct) =>
        {
            if (await BlueprintIdAsync(context).ConfigureAwait(false) is not { } id)
            {
                return;
            }

            var store = services.GetRequiredService<IBlueprintStore>();
            await store.SetArchivedAsync(id, archived, ct).ConfigureAwait(false);
            var logger = OperatorGate.LoggerOf(context);
            if (logger.IsEnabled(LogLevel.Information))
            {
                OperatorLog.Acted(logger, verb, id.Value, caller.Name, caller.KeyRole, archived ? "archived" : "unarchived");
            }

            await WriteAsync(context, new ArchiveResponse(id.Value, await store.IsArchivedAsync(id, ct).ConfigureAwait(false)), OperatorJsonContext.Default.ArchiveResponse).ConfigureAwait(false);
        });
    }

    private Task ListLogAsync(HttpContext context, bool byBlueprint) => RunAsync(context, IssueCoreOperatorVerbs.Read, byBlueprint ? Route(context, "id") : "enhance-log", async (_, services, ct) =>
    {
        BlueprintId? series = null;
        if (byBlueprint)
        {
            if (await BlueprintIdAsync(context).ConfigureAwait(false) is not { } id)
            {
                return;
            }

            // An unknown series is a 404, not an empty log.
            await services.GetRequiredService<IBlueprintStore>().ReadHeadAsync(id, ct).ConfigureAwait(false);
            series = id;
        }

        if (await PagingAsync(context).ConfigureAwait(false) is not { } paging)
        {
            return;
        }

        EnhanceLogKey? after = null;
        if (paging.After is { } cursor)
        {
            // The token names the last entry shown: "<issue id>\n<round>".
            var split = cursor.LastIndexOf('\n');
            if (split < 1
                || !IssueId.TryParse(cursor[..split], null, out var issue)
                || !int.TryParse(cursor.AsSpan(split + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var round))
            {
                await BadPageAsync(context).ConfigureAwait(false);
                return;
            }

            after = new EnhanceLogKey(issue, round);
        }

        var log = services.GetRequiredService<IEnhanceLogStore>();
        List<EnhanceLogEntry> items;
        string? next;
        try
        {
            (items, next) = await PageCursor.TakeAsync(log.ListAfterAsync(series, after, ct), e => e.IssueId.Value + "\n" + e.Round.ToString(CultureInfo.InvariantCulture), paging.Limit, ct).ConfigureAwait(false);
        }
        catch (NotFoundException) when (after is not null)
        {
            await BadPageAsync(context).ConfigureAwait(false);
            return;
        }

        await WriteAsync(context, new EnhanceLogListResponse([.. items.Select(ToLog)], next), OperatorJsonContext.Default.EnhanceLogListResponse).ConfigureAwait(false);
    });

    /// <summary>Admits the caller, runs the handler, and answers the library's typed errors with problem details.</summary>
    private async Task RunAsync(HttpContext context, string verb, string target, Func<OperatorCaller, IServiceProvider, CancellationToken, Task> handler)
    {
        if (await gate.AdmitAsync(context, verb, target).ConfigureAwait(false) is not { } caller)
        {
            return;
        }

        try
        {
            await handler(caller, context.RequestServices, context.RequestAborted).ConfigureAwait(false);
        }
        catch (NotFoundException ex) when (!context.Response.HasStarted)
        {
            await Problem.WriteAsync(context, StatusCodes.Status404NotFound, ex.Message).ConfigureAwait(false);
        }
        catch (ValidationException ex) when (!context.Response.HasStarted)
        {
            await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, ex.Message, ex.Errors).ConfigureAwait(false);
        }
        catch (ConflictException ex) when (!context.Response.HasStarted)
        {
            await Problem.WriteAsync(context, StatusCodes.Status409Conflict, ex.Message).ConfigureAwait(false);
        }
        catch (ApprovalNotPendingException ex) when (!context.Response.HasStarted)
        {
            await Problem.WriteAsync(context, StatusCodes.Status409Conflict, ex.Message).ConfigureAwait(false);
        }
        catch (StorageException) when (!context.Response.HasStarted)
        {
            await Problem.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "The store is unavailable; retry later.").ConfigureAwait(false);
        }
        catch (NotSupportedException ex) when (!context.Response.HasStarted)
        {
            await Problem.WriteAsync(context, StatusCodes.Status501NotImplemented, ex.Message).ConfigureAwait(false);
        }
    }

    private async Task<Paging?> PagingAsync(HttpContext context)
    {
        var limit = options.DefaultPageSize;
        var query = context.Request.Query;
        if (query["limit"] is { Count: > 0 } limitText
            && (limitText.Count > 1 || !int.TryParse(limitText[0], NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 1000))
        {
            await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, "limit must be an integer between 1 and 1000.").ConfigureAwait(false);
            return null;
        }

        string? after = null;
        if (query["page"] is { Count: > 0 } pageText && (pageText.Count > 1 || !PageCursor.TryDecode(pageText[0] ?? string.Empty, out after)))
        {
            await BadPageAsync(context).ConfigureAwait(false);
            return null;
        }

        return new Paging(limit, after);
    }

    private static Task BadPageAsync(HttpContext context)
        => Problem.WriteAsync(context, StatusCodes.Status400BadRequest, "page is not a continuation token returned by this endpoint.");

    private static async Task<BlueprintId?> BlueprintIdAsync(HttpContext context)
    {
        if (BlueprintId.TryParse(Route(context, "id"), null, out var id))
        {
            return id;
        }

        await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, "The Blueprint id is not valid.").ConfigureAwait(false);
        return null;
    }

    private static async Task<IssueId?> IssueIdAsync(HttpContext context)
    {
        if (IssueId.TryParse(Route(context, "id"), null, out var id))
        {
            return id;
        }

        await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, "The issue id is not valid.").ConfigureAwait(false);
        return null;
    }

    private static async Task<CouncilRunId?> RunIdAsync(HttpContext context)
    {
        if (CouncilRunId.TryParse(Route(context, "id"), null, out var id))
        {
            return id;
        }

        await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, "The run id is not valid.").ConfigureAwait(false);
        return null;
    }

    private static async Task<BlueprintVersion?> VersionAsync(HttpContext context, string? text, string name)
    {
        if (BlueprintVersion.TryParse(text, null, out var version))
        {
            return version;
        }

        await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, $"{name} must be a version: 64 lower-case hex digits.").ConfigureAwait(false);
        return null;
    }

    private static string Route(HttpContext context, string name) => context.Request.RouteValues[name] as string ?? string.Empty;

    private static string? Single(HttpContext context, string name)
        => context.Request.Query[name] is { Count: 1 } value && !string.IsNullOrEmpty(value[0]) ? value[0] : null;

    private static Task WriteAsync<T>(HttpContext context, T body, JsonTypeInfo<T> typeInfo)
        => TypedResults.Json(body, typeInfo).ExecuteAsync(context);

    private static async Task WriteVersionAsync(HttpContext context, IBlueprintStore store, BlueprintId id, Traced<Blueprint> read, bool isHead, CancellationToken ct)
    {
        var archived = await store.IsArchivedAsync(id, ct).ConfigureAwait(false);
        var trace = new BlueprintTraceResponse(read.Trace.Version.Value, [.. read.Trace.Parents.Select(p => p.Value)], read.Trace.Origin, read.Trace.Timestamp);
        var body = new BlueprintVersionResponse(id.Value, read.Value.Version.Value, read.Value.VersionLabel, isHead, archived, trace, read.Value.Root);
        await WriteAsync(context, body, OperatorJsonContext.Default.BlueprintVersionResponse).ConfigureAwait(false);
    }

    private static CommitResponse ToCommit(BlueprintCommit commit) => new(
        commit.Version.Value,
        [.. commit.Parents.Select(p => p.Value)],
        commit.Metadata.Rationale,
        commit.Metadata.IssueId?.Value,
        commit.Metadata.Origin,
        commit.Metadata.PatchHash,
        commit.CommittedAt);

    private EnhanceLogEntryResponse ToLog(EnhanceLogEntry entry) => new(
        entry.IssueId.Value,
        entry.Round,
        entry.BlueprintId.Value,
        Lower(entry.Outcome),
        entry.PreviousVersion?.Value,
        entry.NewVersion?.Value,
        entry.Intent,
        entry.Rationale,
        [.. entry.Verdicts.Select(v => new VerdictResponse(v.Axis, Lower(v.Status), v.Detail))],
        // A failure's reasons are the dispatcher's own exception text (hosts, paths, data), kept for the server's log.
        entry.Outcome == EnhanceOutcome.Failed && !options.ExposeErrorDetail ? [FailedReason] : entry.Reasons,
        entry.Timestamp,
        entry.Approver,
        entry.ApprovalNote);

    private static RunResponse ToRun(CouncilRun run, bool withGraph) => new(
        run.Id.Value,
        run.FlowId,
        run.FlowVersion,
        run.Subject,
        RunStatusText(run.Status),
        run.Owner,
        run.CreatedAt,
        run.UpdatedAt,
        withGraph ? run.Graph : null);

    internal static RunEventResponse ToEvent(CouncilRunEvent e) => new(e.Sequence, e.Wave, e.Kind, e.NodeId, e.Payload, e.Timestamp);

    internal static string RunStatusText(CouncilRunStatus status) => JsonNamingPolicy.SnakeCaseLower.ConvertName(status.ToString());

    private static bool TryParseRunStatus(string text, out CouncilRunStatus status)
    {
        foreach (var candidate in Enum.GetValues<CouncilRunStatus>())
        {
            if (string.Equals(RunStatusText(candidate), text, StringComparison.Ordinal))
            {
                status = candidate;
                return true;
            }
        }

        status = default;
        return false;
    }

    private static string Lower<TEnum>(TEnum value)
        where TEnum : struct, Enum
        => value.ToString().ToLowerInvariant();

    private sealed record Paging(int Limit, string? After);
}
