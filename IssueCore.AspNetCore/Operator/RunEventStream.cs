using System.Globalization;
using System.Text;
using System.Text.Json;
using IssueCore.Council;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace IssueCore.AspNetCore.Operator;

/// <summary>
/// <c>GET /runs/{id}/events</c> as server-sent events: every event after <c>Last-Event-ID</c> (or <c>?after=</c>) as
/// <c>id: {sequence}</c>, <c>event: run_event</c>, <c>data: {event json}</c>; new events as they are recorded while the
/// run is live (running or awaiting approval); then one <c>event: end</c> with the run's status. The stream also ends
/// after the maximum duration (the client reconnects with <c>Last-Event-ID</c>) or when the client goes away.
/// </summary>
internal sealed class RunEventStream(ICouncilRepository runs, TimeProvider time, TimeSpan pollInterval, TimeSpan maxDuration)
{
    private const string EventStream = "text/event-stream";

    /// <summary>Whether the caller asked for an event stream.</summary>
    public static bool Wants(HttpRequest request)
        => request.Headers.Accept.Any(a => a is not null && a.Contains(EventStream, StringComparison.OrdinalIgnoreCase));

    /// <summary>The last sequence the caller has (0 for none), or <see langword="null"/> when the header or query is malformed.</summary>
    public static long? StartAfter(HttpRequest request)
    {
        var text = request.Headers["Last-Event-ID"] is { Count: 1 } header ? header[0] : request.Query["after"] is { Count: 1 } query ? query[0] : null;
        if (string.IsNullOrEmpty(text))
        {
            return 0;
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var after) ? after : null;
    }

    public async Task WriteAsync(HttpContext context, CouncilRunId id, long after, CancellationToken cancellationToken)
    {
        var response = context.Response;
        response.ContentType = EventStream;
        response.Headers.CacheControl = "no-cache";
        response.Headers[HeaderNames.XContentTypeOptions] = "nosniff";
        response.Headers["X-Accel-Buffering"] = "no";
        var deadline = time.GetUtcNow() + maxDuration;
        var last = after;
        try
        {
            while (true)
            {
                // Read the status before the events: a run seen live may still record events, which the next round reads.
                var run = await runs.GetRunAsync(id, cancellationToken).ConfigureAwait(false);
                // Each round reads only the events after the last one sent.
                await foreach (var e in runs.ListEventsAfterAsync(id, last, cancellationToken).ConfigureAwait(false))
                {
                    var data = JsonSerializer.Serialize(OperatorEndpoints.ToEvent(e), OperatorJsonContext.Default.RunEventResponse);
                    await WriteEventAsync(response, e.Sequence.ToString(CultureInfo.InvariantCulture), "run_event", data, cancellationToken).ConfigureAwait(false);
                    last = e.Sequence;
                }

                if (run is null || run.Status is not (CouncilRunStatus.Running or CouncilRunStatus.AwaitingApproval))
                {
                    var end = new RunStreamEnd(id.Value, run is null ? "deleted" : OperatorEndpoints.RunStatusText(run.Status), last);
                    await WriteEventAsync(response, null, "end", JsonSerializer.Serialize(end, OperatorJsonContext.Default.RunStreamEnd), cancellationToken).ConfigureAwait(false);
                    return;
                }

                await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (time.GetUtcNow() >= deadline)
                {
                    return;
                }

                await Task.Delay(pollInterval, time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away.
        }
    }

    private static async Task WriteEventAsync(HttpResponse response, string? id, string name, string data, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        if (id is not null)
        {
            text.Append("id: ").Append(id).Append('\n');
        }

        text.Append("event: ").Append(name).Append('\n').Append("data: ").Append(data).Append("\n\n");
        await response.WriteAsync(text.ToString(), cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
