using System.Globalization;
using System.Text;
using IssueCore.Enhance.Spawning;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace IssueCore.AI;

/// <summary>
/// A patch spawner on any <see cref="IChatClient"/>: it prompts the model with the issue, the current Blueprint and the
/// JSON Schema of an RFC 6902 patch, asks for structured output (a JSON object of that schema), and checks the answer
/// before any verifier sees it: well-formed RFC 6902 that applies to the head and changes it. An answer that fails is
/// sent back with its errors, up to <see cref="ChatPatchSpawnerOptions.MaxAttempts"/> answers in all.
/// Register it with <c>services.AddIssueCoreChatPatchSpawner()</c> beside the host's <see cref="IChatClient"/>.
/// </summary>
/// <remarks>
/// <para>Outcomes, each logged: a valid patch is proposed (event 6224); a model that declines (its
/// <c>cannot_propose</c>) is a "cannot propose" with its reason (6223); answers that stay invalid until the budget is
/// used up are a "cannot propose" naming the last errors (6221 per answer, 6222 at the end). Either refusal rejects
/// the issue (final). An exception from the client (a provider that is down) is not caught: the dispatch is retried
/// with a back-off, within the dispatcher's retry budget.</para>
/// <para>The report recorded in the run's events carries the prompt (system and user messages, not the client's
/// configuration or credentials), the model id the provider reports, and the token usage summed over every answer.</para>
/// </remarks>
public sealed class ChatPatchSpawner : IPatchSpawner
{
    private readonly IChatClient _client;
    private readonly ChatPatchSpawnerOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates the spawner.</summary>
    /// <param name="chatClient">The model to ask.</param>
    /// <param name="options">The options; <see langword="null"/> uses the defaults.</param>
    /// <param name="logger">The logger; <see langword="null"/> logs nothing.</param>
    public ChatPatchSpawner(IChatClient chatClient, IOptions<ChatPatchSpawnerOptions>? options = null, ILogger<ChatPatchSpawner>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(chatClient);
        _client = chatClient;
        _options = options?.Value ?? new ChatPatchSpawnerOptions();
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <inheritdoc />
    public async ValueTask<PatchProposal> ProposeAsync(PatchSpawnRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var issueId = request.IssueId.Value;
        var blueprint = request.Head.CanonicalJson;
        if (blueprint.Length > _options.MaxBlueprintChars)
        {
            ChatSpawnerLog.BlueprintTooLarge(_logger, issueId, request.BlueprintId.Value, blueprint.Length, _options.MaxBlueprintChars);
            return PatchProposal.CannotPropose(string.Create(CultureInfo.InvariantCulture, $"the Blueprint is {blueprint.Length} characters, more than the {_options.MaxBlueprintChars} a prompt may carry (ChatPatchSpawnerOptions.MaxBlueprintChars)"));
        }

        var system = SystemMessage();
        var user = UserMessage(request, blueprint);
        var messages = new List<ChatMessage> { new(ChatRole.System, system), new(ChatRole.User, user) };
        var chatOptions = new ChatOptions
        {
            ModelId = _options.ModelId,
            Temperature = _options.Temperature,
            MaxOutputTokens = _options.MaxOutputTokens,
            ResponseFormat = ChatResponseFormat.ForJsonSchema(PatchSchemas.AnswerElement(), "rfc6902_patch_proposal", "An RFC 6902 patch against the current Blueprint, with its rationale, or the reason none can be proposed."),
        };

        var usage = new UsageTotals();
        var errors = new List<string>();
        string? modelId = _options.ModelId;
        for (var attempt = 1; attempt <= _options.MaxAttempts; attempt++)
        {
            ChatSpawnerLog.Asking(_logger, issueId, attempt, _options.MaxAttempts);
            var response = await _client.GetResponseAsync(messages, chatOptions, cancellationToken).ConfigureAwait(false);
            usage.Add(response.Usage);
            modelId = response.ModelId ?? modelId;
            var answer = ChatAnswerReader.Read(response.Text, request.Head);
            PatchSpawnReport Report() => new()
            {
                ModelId = modelId,
                Prompt = system + "\n\n" + user,
                Attempts = attempt,
                InputTokens = usage.Input,
                OutputTokens = usage.Output,
                TotalTokens = usage.Total,
                Errors = [.. errors],
            };

            if (answer.Declined is { } declined)
            {
                ChatSpawnerLog.Declined(_logger, issueId, modelId ?? "(unknown)", declined);
                return PatchProposal.CannotPropose("the model declined: " + declined) with { Report = Report() };
            }

            if (answer.Errors.Count == 0)
            {
                ChatSpawnerLog.Proposed(_logger, issueId, modelId ?? "(unknown)", answer.OperationCount, attempt, usage.Total);
                return PatchProposal.Propose(answer.Operations!.Value, answer.Rationale!, answer.Bump) with { Report = Report() };
            }

            var described = string.Join("; ", answer.Errors);
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"attempt {attempt}: {described}"));
            ChatSpawnerLog.AnswerRejected(_logger, issueId, attempt, _options.MaxAttempts, modelId ?? "(unknown)", described);
            if (attempt == _options.MaxAttempts)
            {
                ChatSpawnerLog.GaveUp(_logger, issueId, modelId ?? "(unknown)", attempt);
                return PatchProposal.CannotPropose(string.Create(CultureInfo.InvariantCulture, $"the model gave no valid patch in {attempt} attempt(s); last errors: {described}")) with { Report = Report() };
            }

            // The conversation grows by two messages per attempt, and attempts are bounded.
            messages.AddRange(response.Messages);
            messages.Add(new ChatMessage(ChatRole.User, Feedback(answer.Errors)));
        }

        throw new InvalidOperationException("unreachable: the attempt loop always returns");
    }

    private string SystemMessage()
    {
        var text = new StringBuilder()
            .Append("You change versioned JSON documents called Blueprints. You answer every request with exactly one JSON object ")
            .Append("(no prose, no code fences) that matches the answer schema you are given. Its \"patch\" member is an RFC 6902 ")
            .Append("JSON Patch whose paths are RFC 6901 JSON Pointers into the current Blueprint. Change only what the request asks for. ")
            .Append("Do not change \"id\" and do not change metadata.version_label: the pipeline bumps the version itself. ")
            .Append("If no patch can do what is asked, set \"cannot_propose\" to the reason and \"patch\" to []. ")
            .Append("Every patch is checked by automatic verifiers before anything is applied.");
        if (!string.IsNullOrWhiteSpace(_options.Instructions))
        {
            text.Append("\n\n").Append(_options.Instructions);
        }

        return text.ToString();
    }

    private static string UserMessage(PatchSpawnRequest request, string blueprint)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Issue {request.IssueId.Value} on the Blueprint series \"{request.BlueprintId.Value}\".\n");
        if (!string.IsNullOrWhiteSpace(request.Title))
        {
            text.Append("Title: ").Append(request.Title).Append('\n');
        }

        text.Append("Intent: ").Append(request.Intent).Append('\n');
        if (!string.IsNullOrWhiteSpace(request.Description))
        {
            text.Append("Description: ").Append(request.Description).Append('\n');
        }

        if (request.Labels.Count > 0)
        {
            text.Append("Labels: ").Append(string.Join(", ", request.Labels)).Append('\n');
        }

        text.Append("Requested version bump: ").Append(request.Bump.ToString().ToLowerInvariant()).Append("\n\n")
            .Append(CultureInfo.InvariantCulture, $"The current Blueprint (version {request.Head.Version.Value}), as canonical JSON:\n")
            .Append(blueprint).Append("\n\n")
            .Append("The JSON Schema of an RFC 6902 patch:\n").Append(PatchSchemas.Rfc6902Patch).Append("\n\n")
            .Append("Answer with one JSON object of this schema:\n").Append(PatchSchemas.Answer);
        return text.ToString();
    }

    private static string Feedback(IReadOnlyList<string> errors)
    {
        var text = new StringBuilder("Your answer was rejected and nothing was applied. Errors:\n");
        foreach (var error in errors.Take(ChatAnswerReader.MaxErrors))
        {
            text.Append("- ").Append(error).Append('\n');
        }

        return text.Append("Answer again with one corrected JSON object of the same schema.").ToString();
    }

    /// <summary>Token usage summed over the answers; a count stays unknown until the provider reports one.</summary>
    private sealed class UsageTotals
    {
        public long? Input { get; private set; }

        public long? Output { get; private set; }

        public long? Total { get; private set; }

        public void Add(UsageDetails? usage)
        {
            if (usage is null)
            {
                return;
            }

            Input = Sum(Input, usage.InputTokenCount);
            Output = Sum(Output, usage.OutputTokenCount);
            Total = Sum(Total, usage.TotalTokenCount ?? (usage.InputTokenCount + usage.OutputTokenCount));
        }

        private static long? Sum(long? total, long? more) => more is null ? total : (total ?? 0) + more;
    }
}
