using System.Buffers.Text;
using IssueCore.Council;
using IssueCore.Engine.Tests.Support;
using IssueCore.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IssueCore.Engine.Tests.Security;

public sealed class GateTests
{
    private static readonly string Flow = """{"kind":"assign","at":"$.done","value":{"op":"const","value":true}}""";

    private static async Task<CouncilRunId> InterruptedRunAsync(EngineHarness engine)
    {
        var id = CouncilRunId.New();
        var now = engine.Time.GetUtcNow();
        await engine.Repository.CreateRunAsync(new CouncilRun { Id = id, FlowId = "f", Status = CouncilRunStatus.Running, CreatedAt = now, UpdatedAt = now });
        await engine.Repository.MarkInterruptedRunsAsync();
        return id;
    }

    private static CapToken FlipByte(CapToken token, bool inSignature)
    {
        var parts = token.Value["v1.".Length..].Split('.');
        var index = inSignature ? 1 : 0;
        var bytes = Base64Url.DecodeFromChars(parts[index]);
        bytes[bytes.Length / 2] ^= 0x01;
        parts[index] = Base64Url.EncodeToString(bytes);
        return CapToken.Parse("v1." + parts[0] + "." + parts[1]);
    }

    [Fact]
    public async Task A_role_without_launch_cannot_launch_and_nothing_is_recorded()
    {
        await using var engine = EngineHarness.Create(s => s.Configure<IssueCoreOptions>(o => o.Security.RoleVerbs["viewer"] = new HashSet<string> { Verbs.ReadContext }));

        var ex = await Assert.ThrowsAsync<AuthorizationException>(() => engine.LaunchAsync(EngineHarness.Blueprint(Flow), role: "viewer"));

        Assert.Equal(Verbs.Launch, ex.Verb);
        await foreach (var _ in engine.Repository.ListRunsAsync())
        {
            Assert.Fail("A refused launch recorded a run.");
        }
    }

    [Fact]
    public async Task An_unknown_role_cannot_launch()
    {
        await using var engine = EngineHarness.Create();

        await Assert.ThrowsAsync<AuthorizationException>(() => engine.LaunchAsync(EngineHarness.Blueprint(Flow), role: "intruder"));
    }

    [Fact]
    public async Task The_launch_token_reads_the_run_context()
    {
        await using var engine = EngineHarness.Create();
        var result = await engine.LaunchAsync(EngineHarness.Blueprint(Flow), role: Roles.Automate);

        var ctx = await engine.Launcher.ReadContextAsync(result.RunId, result.Token);

        Assert.True(ctx["done"]!.GetValue<bool>());
        Assert.Equal(result.RunId, result.Token.RunId);
        Assert.Equal("op-1", result.Token.OperatorId);
        Assert.Equal(Roles.Automate, result.Token.Role);
    }

    [Fact]
    public async Task A_token_whose_role_lacks_the_verb_is_refused_and_nothing_happens()
    {
        await using var engine = EngineHarness.Create();
        var runId = await InterruptedRunAsync(engine);
        var automate = engine.Launcher.IssueToken(runId, "bot", Roles.Automate);

        var ex = await Assert.ThrowsAsync<AuthorizationException>(() => engine.Launcher.RewindAsync(runId, 0, automate));

        Assert.Equal(Verbs.Rewind, ex.Verb);
        Assert.Equal(CouncilRunStatus.Interrupted, (await engine.Repository.GetRunAsync(runId))!.Status);
    }

    [Fact]
    public async Task A_token_for_another_run_is_refused()
    {
        await using var engine = EngineHarness.Create();
        var runId = await InterruptedRunAsync(engine);
        var other = engine.Launcher.IssueToken(CouncilRunId.New(), "op-1", Roles.Operator);

        await Assert.ThrowsAsync<AuthorizationException>(() => engine.Launcher.CancelAsync(runId, other));

        Assert.Equal(CouncilRunStatus.Interrupted, (await engine.Repository.GetRunAsync(runId))!.Status);
    }

    [Fact]
    public async Task An_expired_token_is_refused()
    {
        await using var engine = EngineHarness.Create();
        var runId = await InterruptedRunAsync(engine);
        var token = engine.Launcher.IssueToken(runId, "op-1", Roles.Operator, TimeSpan.FromMinutes(1));
        engine.Time.Advance(TimeSpan.FromMinutes(1));

        var ex = await Assert.ThrowsAsync<AuthorizationException>(() => engine.Launcher.CancelAsync(runId, token));

        Assert.Contains("expired", ex.Reason, StringComparison.Ordinal);
        Assert.Equal(CouncilRunStatus.Interrupted, (await engine.Repository.GetRunAsync(runId))!.Status);
    }

    [Fact]
    public async Task A_token_with_one_flipped_signature_byte_is_refused()
    {
        await using var engine = EngineHarness.Create();
        var runId = await InterruptedRunAsync(engine);
        var forged = FlipByte(engine.Launcher.IssueToken(runId, "op-1", Roles.Operator), inSignature: true);

        var ex = await Assert.ThrowsAsync<AuthorizationException>(() => engine.Launcher.CancelAsync(runId, forged));

        Assert.Contains("signature", ex.Reason, StringComparison.Ordinal);
        Assert.Equal(CouncilRunStatus.Interrupted, (await engine.Repository.GetRunAsync(runId))!.Status);
    }

    [Fact]
    public async Task A_token_with_one_flipped_claims_byte_is_refused()
    {
        await using var engine = EngineHarness.Create();
        var runId = await InterruptedRunAsync(engine);
        var token = engine.Launcher.IssueToken(runId, "op-1", Roles.Operator);
        CapToken forged;
        try
        {
            forged = FlipByte(token, inSignature: false);
        }
        catch (AuthorizationException)
        {
            return; // the flipped byte broke the claims' JSON: refused before any verification, which is also a refusal
        }

        await Assert.ThrowsAsync<AuthorizationException>(() => engine.Launcher.CancelAsync(runId, forged));
        Assert.Equal(CouncilRunStatus.Interrupted, (await engine.Repository.GetRunAsync(runId))!.Status);
    }

    [Fact]
    public async Task A_token_signed_with_another_key_is_refused()
    {
        await using var engine = EngineHarness.Create();
        await using var stranger = EngineHarness.Create(s => s.Configure<IssueCoreOptions>(o => o.Security.SigningKey = Convert.ToBase64String(new byte[48])));
        var runId = await InterruptedRunAsync(engine);
        var token = stranger.Launcher.IssueToken(runId, "op-1", Roles.Admin);

        await Assert.ThrowsAsync<AuthorizationException>(() => engine.Launcher.CancelAsync(runId, token));
    }

    [Fact]
    public async Task Text_that_is_not_a_token_is_refused()
    {
        Assert.Throws<AuthorizationException>(() => CapToken.Parse("v1.abc"));
        Assert.Throws<AuthorizationException>(() => CapToken.Parse("bearer xyz"));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task A_valid_token_cancels_an_interrupted_run()
    {
        await using var engine = EngineHarness.Create();
        var runId = await InterruptedRunAsync(engine);

        await engine.Launcher.CancelAsync(runId, engine.Launcher.IssueToken(runId, "op-1", Roles.Operator));

        Assert.Equal(CouncilRunStatus.Cancelled, (await engine.Repository.GetRunAsync(runId))!.Status);
    }

    [Fact]
    public async Task Removing_a_verb_from_the_policy_revokes_it_on_tokens_already_issued()
    {
        await using var engine = EngineHarness.Create();
        var runId = await InterruptedRunAsync(engine);
        var token = engine.Launcher.IssueToken(runId, "op-1", Roles.Operator);
        engine.Provider.GetRequiredService<IOptions<IssueCoreOptions>>().Value.Security.RoleVerbs[Roles.Operator].Remove(Verbs.Cancel);

        await Assert.ThrowsAsync<AuthorizationException>(() => engine.Launcher.CancelAsync(runId, token));
        Assert.Equal(CouncilRunStatus.Interrupted, (await engine.Repository.GetRunAsync(runId))!.Status);
    }

    [Fact]
    public async Task Every_operation_refuses_a_missing_token()
    {
        await using var engine = EngineHarness.Create();
        var runId = await InterruptedRunAsync(engine);

        await Assert.ThrowsAsync<AuthorizationException>(() => engine.Launcher.ReadContextAsync(runId, null!));
        await Assert.ThrowsAsync<AuthorizationException>(() => engine.Launcher.CancelAsync(runId, null!));
        await Assert.ThrowsAsync<AuthorizationException>(() => engine.Launcher.ResumeAsync(runId, null!));
        await Assert.ThrowsAsync<AuthorizationException>(() => engine.Launcher.RewindAsync(runId, 0, null!));
        Assert.Equal(CouncilRunStatus.Interrupted, (await engine.Repository.GetRunAsync(runId))!.Status);
    }

    [Fact]
    public async Task Tokens_of_a_role_without_resume_cannot_resume()
    {
        await using var engine = EngineHarness.Create(s => s.Configure<IssueCoreOptions>(o => o.Security.RoleVerbs["reader"] = new HashSet<string> { Verbs.ReadContext }));
        var runId = await InterruptedRunAsync(engine);

        var ex = await Assert.ThrowsAsync<AuthorizationException>(() => engine.Launcher.ResumeAsync(runId, engine.Launcher.IssueToken(runId, "r", "reader")));

        Assert.Equal(Verbs.Resume, ex.Verb);
        Assert.Equal(CouncilRunStatus.Interrupted, (await engine.Repository.GetRunAsync(runId))!.Status);
    }
}
