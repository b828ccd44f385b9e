using System.Text.Json;
using IssueCore.AspNetCore.Problems;
using IssueCore.Enhance;
using IssueCore.Issues;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IssueCore.AspNetCore.Operator;

/// <summary>The approval gate's handlers: the caller's key name is the approver, the body may carry a note.</summary>
internal sealed partial class OperatorEndpoints
{
    private const int MaxApprovalBodyBytes = 16 * 1024;
    private const int MaxNoteLength = 2000;

    public Task ApproveAsync(HttpContext context) => DecideAsync(context, IssueCoreOperatorVerbs.Approve, approve: true);

    public Task RejectAsync(HttpContext context) => DecideAsync(context, IssueCoreOperatorVerbs.Reject, approve: false);

    private Task DecideAsync(HttpContext context, string verb, bool approve) => RunAsync(context, verb, Route(context, "id"), async (caller, services, ct) =>
    {
        if (await IssueIdAsync(context).ConfigureAwait(false) is not { } id)
        {
            return;
        }

        var request = await ReadApprovalRequestAsync(context, ct).ConfigureAwait(false);
        if (request is null)
        {
            return;
        }

        var app = services.GetRequiredService<EnhanceApplication>();
        var outcome = approve
            ? await app.ApproveAsync(id, caller.Name, request.Note, ct).ConfigureAwait(false)
            : await app.RejectAsync(id, caller.Name, request.Note, ct).ConfigureAwait(false);
        var issue = await services.GetRequiredService<IIssueStore>().GetAsync(id, ct).ConfigureAwait(false);
        var result = Lower(outcome.Result);
        var logger = OperatorGate.LoggerOf(context);
        if (logger.IsEnabled(LogLevel.Information))
        {
            OperatorLog.Acted(logger, verb, id.Value, caller.Name, caller.KeyRole, result);
        }

        var reason = outcome.Result is DispatchResult.Failed or DispatchResult.Retrying && !options.ExposeErrorDetail ? FailedReason : outcome.Reason;
        var body = new ApprovalResponse(id.Value, approve ? "approved" : "rejected", result, Lower(issue.Status.State), outcome.NewVersion?.Value, reason, caller.Name, request.Note);
        await WriteAsync(context, body, OperatorJsonContext.Default.ApprovalResponse).ConfigureAwait(false);
    });

    /// <summary>Reads the optional JSON body (at most 16 KiB, a note of at most 2000 characters); writes 400 and returns null when it is malformed.</summary>
    private static async Task<ApprovalRequest?> ReadApprovalRequestAsync(HttpContext context, CancellationToken ct)
    {
        if (context.Request.ContentLength is 0 || (context.Request.ContentLength is null && !context.Request.Body.CanRead))
        {
            return new ApprovalRequest(null);
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxApprovalBodyBytes)
            {
                await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, $"The body must not exceed {MaxApprovalBodyBytes} bytes.").ConfigureAwait(false);
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        if (buffer.Length == 0)
        {
            return new ApprovalRequest(null);
        }

        ApprovalRequest? request;
        try
        {
            request = JsonSerializer.Deserialize(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), OperatorJsonContext.Default.ApprovalRequest);
        }
        catch (JsonException)
        {
            request = null;
        }

        if (request is null)
        {
            await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, "The body must be a JSON object such as {\"note\": \"why\"}.").ConfigureAwait(false);
            return null;
        }

        if (request.Note is { Length: > MaxNoteLength })
        {
            await Problem.WriteAsync(context, StatusCodes.Status400BadRequest, $"note must not exceed {MaxNoteLength} characters.").ConfigureAwait(false);
            return null;
        }

        return request;
    }
}
