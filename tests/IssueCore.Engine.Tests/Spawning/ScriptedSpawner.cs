using System.Text.Json;
using IssueCore.Enhance.Spawning;

namespace IssueCore.Engine.Tests.Spawning;

/// <summary>A patch spawner that answers with a function of the request, and counts its calls.</summary>
internal sealed class ScriptedSpawner(Func<PatchSpawnRequest, PatchProposal> answer) : IPatchSpawner
{
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    public List<PatchSpawnRequest> Requests { get; } = [];

    /// <summary>Proposes to add <c>/metadata/intent</c> holding the issue's intent.</summary>
    public static ScriptedSpawner RecordingIntent(string rationale = "recorded the intent") => new(r =>
        PatchProposal.Propose(Ops($$"""[{"op":"add","path":"/metadata/intent","value":{{JsonSerializer.Serialize(r.Intent)}}}]"""), rationale)
            with { Report = new PatchSpawnReport { ModelId = "scripted-1", Prompt = "intent: " + r.Intent, InputTokens = 12, OutputTokens = 5, TotalTokens = 17 } });

    public static JsonElement Ops(string json) => JsonDocument.Parse(json).RootElement.Clone();

    public ValueTask<PatchProposal> ProposeAsync(PatchSpawnRequest request, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        lock (Requests)
        {
            Requests.Add(request);
        }

        return ValueTask.FromResult(answer(request));
    }
}
