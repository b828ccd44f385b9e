using System.Text.Json.Nodes;
using System.Threading.Channels;
using IssueCore.Engine.Tests.Support;
using IssueCore.Flows;
using IssueCore.Launch;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Engine.Tests.Flows;

public sealed class FanoutTests
{
    private static JsonObject Items(int count) => new() { ["items"] = new JsonArray([.. Enumerable.Range(0, count).Select(i => (JsonNode)i)]) };

    [Fact]
    public async Task Join_all_collects_branch_ctxs_in_item_order_when_branches_complete_in_reverse()
    {
        const int count = 4;
        var gates = Enumerable.Range(0, count).Select(_ => new TaskCompletionSource<JsonNode?>(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var started = Channel.CreateUnbounded<int>();
        var agent = new TestAgent(async (inv, ct) =>
        {
            var i = inv.Input!.GetValue<int>();
            started.Writer.TryWrite(i);
            return await gates[i].Task.WaitAsync(ct);
        });
        await using var engine = EngineHarness.Create(s => s.AddIssueCoreAgent("work", agent));
        var flow = EngineHarness.Blueprint(
            """{"kind":"fanout","items":"$.items","bind":"$.item","out":"$.results","body":{"kind":"step","ref":"work","in":{"op":"path","at":"$.item"},"out":"$.r"}}""",
            EngineHarness.HostAgents("work"));

        var launch = engine.LaunchAsync(flow, Items(count));
        for (var i = 0; i < count; i++)
        {
            await started.Reader.ReadAsync();
        }

        // Complete the last item first, each next one only after the previous completion.
        for (var i = count - 1; i >= 0; i--)
        {
            gates[i].SetResult($"r{i}");
        }

        var result = await launch;

        var results = result.FinalContext["results"]!.AsArray();
        Assert.Equal(count, results.Count);
        for (var i = 0; i < count; i++)
        {
            Assert.Equal(i, results[i]!["item"]!.GetValue<int>());
            Assert.Equal($"r{i}", results[i]!["r"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Without_max_parallel_every_branch_that_waits_is_waiting_at_once_even_with_more_branches_than_processors()
    {
        // Each branch waits until all of them wait: it completes only if no branch waits for another to finish first.
        var count = (Environment.ProcessorCount * 4) + 3;
        var waiting = 0;
        var allWaiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var agent = new TestAgent(async (inv, ct) =>
        {
            if (Interlocked.Increment(ref waiting) == count)
            {
                allWaiting.SetResult();
            }

            await allWaiting.Task.WaitAsync(ct);
            return inv.Input;
        });
        await using var engine = EngineHarness.Create(s => s.AddIssueCoreAgent("work", agent));
        var flow = EngineHarness.Blueprint(
            """{"kind":"fanout","items":"$.items","bind":"$.item","collect":"$.r","out":"$.results","body":{"kind":"step","ref":"work","in":{"op":"path","at":"$.item"},"out":"$.r"}}""",
            EngineHarness.HostAgents("work"));

        var result = await engine.LaunchAsync(flow, Items(count)).WaitAsync(TimeSpan.FromMinutes(2));

        var results = result.FinalContext["results"]!.AsArray();
        Assert.Equal(Enumerable.Range(0, count), results.Select(r => r!["r"]!.GetValue<int>()));
    }

    [Fact]
    public async Task Branches_that_finish_synchronously_all_run_once_and_join_in_item_order()
    {
        var count = (Environment.ProcessorCount * 4) + 3;
        var runs = new int[count];
        var agent = new TestAgent((inv, _) =>
        {
            Interlocked.Increment(ref runs[inv.Input!.GetValue<int>()]);
            return ValueTask.FromResult<JsonNode?>(inv.Input.GetValue<int>() * 10);
        });
        await using var engine = EngineHarness.Create(s => s.AddIssueCoreAgent("work", agent));
        var flow = EngineHarness.Blueprint(
            """{"kind":"fanout","items":"$.items","bind":"$.item","collect":"$.r","out":"$.results","body":{"kind":"step","ref":"work","in":{"op":"path","at":"$.item"},"out":"$.r"}}""",
            EngineHarness.HostAgents("work"));

        var result = await engine.LaunchAsync(flow, Items(count));

        Assert.All(runs, r => Assert.Equal(1, r));
        Assert.Equal(Enumerable.Range(0, count).Select(i => i * 10), result.FinalContext["results"]!.AsArray().Select(r => r!["r"]!.GetValue<int>()));
    }

    [Fact]
    public async Task Join_with_collect_keeps_only_that_path_of_each_branch_in_item_order()
    {
        await using var engine = EngineHarness.Create(s => s.AddIssueCoreAgent("work", TestAgent.Returning(i => new JsonObject { ["doubled"] = i!.GetValue<int>() * 2 })));
        var flow = EngineHarness.Blueprint(
            """{"kind":"fanout","items":"$.items","bind":"$.item","collect":"$.verdict","out":"$.results","body":{"kind":"step","ref":"work","in":{"op":"path","at":"$.item"},"out":"$.verdict"}}""",
            EngineHarness.HostAgents("work"));
        var ctx = Items(3);
        ctx["big"] = new JsonArray([.. Enumerable.Range(0, 100).Select(i => (JsonNode)i)]);

        var result = await engine.LaunchAsync(flow, ctx);

        Assert.Equal(
            """[{"verdict":{"doubled":0}},{"verdict":{"doubled":2}},{"verdict":{"doubled":4}}]""",
            result.FinalContext["results"]!.ToJsonString());
        Assert.Equal(100, result.FinalContext["big"]!.AsArray().Count); // the ctx itself is untouched, and held once
    }

    [Fact]
    public async Task Join_without_collect_still_keeps_each_branch_whole_ctx()
    {
        await using var engine = EngineHarness.Create(s => s.AddIssueCoreAgent("work", TestAgent.Returning(i => i)));
        var flow = EngineHarness.Blueprint(
            """{"kind":"fanout","items":"$.items","bind":"$.item","out":"$.results","body":{"kind":"step","ref":"work","in":{"op":"path","at":"$.item"},"out":"$.v"}}""",
            EngineHarness.HostAgents("work"));

        var result = await engine.LaunchAsync(flow, Items(2));

        Assert.Equal("""[{"items":[0,1],"item":0,"v":0},{"items":[0,1],"item":1,"v":1}]""", result.FinalContext["results"]!.ToJsonString());
    }

    [Fact]
    public async Task Max_parallel_bounds_how_many_branches_run_at_once()
    {
        const int count = 6;
        var current = 0;
        var peak = 0;
        var started = Channel.CreateUnbounded<TaskCompletionSource>();
        var agent = new TestAgent(async (inv, ct) =>
        {
            var now = Interlocked.Increment(ref current);
            int seen;
            while ((seen = Volatile.Read(ref peak)) < now && Interlocked.CompareExchange(ref peak, now, seen) != seen)
            {
            }

            var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            started.Writer.TryWrite(release);
            await release.Task.WaitAsync(ct);
            Interlocked.Decrement(ref current);
            return inv.Input;
        });
        await using var engine = EngineHarness.Create(s => s.AddIssueCoreAgent("work", agent));
        var flow = EngineHarness.Blueprint(
            """{"kind":"fanout","items":"$.items","bind":"$.item","max_parallel":2,"out":"$.results","body":{"kind":"step","ref":"work","in":{"op":"path","at":"$.item"},"out":"$.r"}}""",
            EngineHarness.HostAgents("work"));

        var launch = engine.LaunchAsync(flow, Items(count));
        var running = new Queue<TaskCompletionSource>();
        running.Enqueue(await started.Reader.ReadAsync());
        running.Enqueue(await started.Reader.ReadAsync());
        for (var released = 0; released < count; released++)
        {
            // While two branches are held, a third start would raise the peak above two.
            running.Dequeue().SetResult();
            if (released + 2 < count)
            {
                running.Enqueue(await started.Reader.ReadAsync());
            }
        }

        var result = await launch;

        Assert.Equal(2, peak);
        Assert.Equal(count, agent.Calls);
        Assert.Equal(count, result.FinalContext["results"]!.AsArray().Count);
    }

    [Fact]
    public async Task Join_all_fails_when_any_branch_fails()
    {
        var agent = new TestAgent((inv, _) => inv.Input!.GetValue<int>() == 1 ? throw new InvalidOperationException("item 1 broke") : ValueTask.FromResult<JsonNode?>(inv.Input));
        await using var engine = EngineHarness.Create(s => s.AddIssueCoreAgent("work", agent));
        var flow = EngineHarness.Blueprint(
            """{"kind":"fanout","items":"$.items","bind":"$.item","out":"$.results","body":{"kind":"step","ref":"work","in":{"op":"path","at":"$.item"},"out":"$.r"}}""",
            EngineHarness.HostAgents("work"));

        var ex = await Assert.ThrowsAsync<FlowExecutionException>(() => engine.LaunchAsync(flow, Items(3)));

        Assert.Equal("$.flow.body", ex.NodePath);
        Assert.IsType<InvalidOperationException>(ex.InnerException);
    }

    [Fact]
    public async Task Join_any_returns_the_first_branch_that_succeeds()
    {
        var agent = new TestAgent((inv, _) => inv.Input!.GetValue<int>() < 2 ? throw new InvalidOperationException("no") : ValueTask.FromResult<JsonNode?>("yes"));
        await using var engine = EngineHarness.Create(s => s.AddIssueCoreAgent("work", agent));
        var flow = EngineHarness.Blueprint(
            """{"kind":"fanout","items":"$.items","bind":"$.item","join":"any","max_parallel":1,"out":"$.winner","body":{"kind":"step","ref":"work","in":{"op":"path","at":"$.item"},"out":"$.r"}}""",
            EngineHarness.HostAgents("work"));

        var result = await engine.LaunchAsync(flow, Items(4));

        Assert.Equal(2, result.FinalContext["winner"]!["item"]!.GetValue<int>());
        Assert.Equal("yes", result.FinalContext["winner"]!["r"]!.GetValue<string>());
        Assert.Equal(3, agent.Calls); // the fourth branch never started: the join was decided
    }

    [Fact]
    public async Task Join_any_fails_when_every_branch_fails()
    {
        var agent = new TestAgent((_, _) => throw new InvalidOperationException("no"));
        await using var engine = EngineHarness.Create(s => s.AddIssueCoreAgent("work", agent));
        var flow = EngineHarness.Blueprint(
            """{"kind":"fanout","items":"$.items","bind":"$.item","join":"any","out":"$.winner","body":{"kind":"step","ref":"work"}}""",
            EngineHarness.HostAgents("work"));

        var ex = await Assert.ThrowsAsync<FlowExecutionException>(() => engine.LaunchAsync(flow, Items(2)));

        Assert.Equal(FlowErrorKinds.Fanout, ex.ErrorKind);
    }

    [Fact]
    public async Task Join_all_settled_records_status_and_value_or_reason_per_branch_in_item_order()
    {
        var agent = new TestAgent((inv, _) => inv.Input!.GetValue<int>() % 2 == 1 ? throw new InvalidOperationException($"odd {inv.Input}") : ValueTask.FromResult<JsonNode?>(inv.Input));
        await using var engine = EngineHarness.Create(s => s.AddIssueCoreAgent("work", agent));
        var flow = EngineHarness.Blueprint(
            """{"kind":"fanout","items":"$.items","bind":"$.item","join":"all_settled","out":"$.results","body":{"kind":"step","ref":"work","in":{"op":"path","at":"$.item"},"out":"$.r"}}""",
            EngineHarness.HostAgents("work"));

        var result = await engine.LaunchAsync(flow, Items(4));

        var results = result.FinalContext["results"]!.AsArray();
        Assert.Equal("fulfilled", results[0]!["status"]!.GetValue<string>());
        Assert.Equal(0, results[0]!["value"]!["r"]!.GetValue<int>());
        Assert.False(results[0]!.AsObject().ContainsKey("reason"));
        Assert.Equal("rejected", results[1]!["status"]!.GetValue<string>());
        Assert.Equal("odd 1", results[1]!["reason"]!["message"]!.GetValue<string>());
        Assert.Equal(FlowErrorKinds.Agent, results[1]!["reason"]!["kind"]!.GetValue<string>());
        Assert.Equal("$.flow.body", results[1]!["reason"]!["node"]!.GetValue<string>());
        Assert.False(results[1]!.AsObject().ContainsKey("value"));
        Assert.Equal(2, results[2]!["value"]!["r"]!.GetValue<int>());
        Assert.Equal("rejected", results[3]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Join_race_takes_the_first_branch_to_finish_and_cancels_the_others()
    {
        var cancelled = 0;
        var slowStarted = 0;
        var allSlowStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var agent = new TestAgent(async (inv, ct) =>
        {
            if (inv.Input!.GetValue<int>() == 2)
            {
                await allSlowStarted.Task.WaitAsync(ct); // finish only once every other branch is running
                return "fast";
            }

            try
            {
                if (Interlocked.Increment(ref slowStarted) == 3)
                {
                    allSlowStarted.SetResult();
                }

                await new TaskCompletionSource().Task.WaitAsync(ct); // never completes on its own
            }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref cancelled);
                throw;
            }

            return "slow";
        });
        await using var engine = EngineHarness.Create(s => s.AddIssueCoreAgent("work", agent));
        var flow = EngineHarness.Blueprint(
            """{"kind":"fanout","items":"$.items","bind":"$.item","join":"race","out":"$.winner","body":{"kind":"step","ref":"work","in":{"op":"path","at":"$.item"},"out":"$.r"}}""",
            EngineHarness.HostAgents("work"));

        var result = await engine.LaunchAsync(flow, Items(4));

        Assert.Equal(2, result.FinalContext["winner"]!["item"]!.GetValue<int>());
        Assert.Equal("fast", result.FinalContext["winner"]!["r"]!.GetValue<string>());
        Assert.Equal(3, Volatile.Read(ref cancelled));
    }

    [Fact]
    public async Task Join_race_fails_when_the_first_branch_to_finish_fails_even_if_another_would_succeed()
    {
        var agent = new TestAgent(async (inv, ct) =>
        {
            if (inv.Input!.GetValue<int>() == 0)
            {
                throw new InvalidOperationException("first and failed");
            }

            await new TaskCompletionSource().Task.WaitAsync(ct); // never completes on its own
            return "late";
        });
        await using var engine = EngineHarness.Create(s => s.AddIssueCoreAgent("work", agent));
        var flow = EngineHarness.Blueprint(
            """{"kind":"fanout","items":"$.items","bind":"$.item","join":"race","out":"$.winner","body":{"kind":"step","ref":"work","in":{"op":"path","at":"$.item"},"out":"$.r"}}""",
            EngineHarness.HostAgents("work"));

        var ex = await Assert.ThrowsAsync<FlowExecutionException>(() => engine.LaunchAsync(flow, Items(3)));

        Assert.Equal(FlowErrorKinds.Agent, ex.ErrorKind);
        Assert.Contains("first and failed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Join_race_over_no_items_fails_with_a_fanout_error()
    {
        await using var engine = EngineHarness.Create();
        var flow = EngineHarness.Blueprint("""{"kind":"fanout","items":"$.items","bind":"$.item","join":"race","body":{"kind":"assign","at":"$.x","value":{"op":"const","value":1}}}""");

        var ex = await Assert.ThrowsAsync<FlowExecutionException>(() => engine.LaunchAsync(flow, Items(0)));

        Assert.Equal(FlowErrorKinds.Fanout, ex.ErrorKind);
    }

    [Fact]
    public async Task Items_that_are_not_an_array_fail_with_a_type_error()
    {
        await using var engine = EngineHarness.Create();
        var flow = EngineHarness.Blueprint("""{"kind":"fanout","items":"$.items","bind":"$.item","body":{"kind":"assign","at":"$.x","value":{"op":"const","value":1}}}""");

        var ex = await Assert.ThrowsAsync<FlowExecutionException>(() => engine.LaunchAsync(flow, new JsonObject { ["items"] = "nope" }));

        Assert.Equal(FlowErrorKinds.Type, ex.ErrorKind);
    }

    [Fact]
    public async Task Branches_see_the_parent_ctx_but_not_each_others_writes()
    {
        await using var engine = EngineHarness.Create(s => s
            .AddIssueCoreAgent("echo", TestAgent.Returning(i => i))
            .AddIssueCoreAgent("look", TestAgent.Returning(i => i)));
        var flow = EngineHarness.Blueprint(
            """
            {"kind":"fanout","items":"$.items","bind":"$.item","out":"$.results","max_parallel":1,"body":{"kind":"seq","children":[
              {"kind":"step","ref":"echo","in":{"op":"path","at":"$.item"},"out":"$.shared.nested.mine"},
              {"kind":"step","ref":"look","in":{"op":"path","at":"$.shared"},"out":"$.seen"}
            ]}}
            """,
            EngineHarness.HostAgents("echo", "look"));
        var ctx = Items(3);
        ctx["shared"] = new JsonObject { ["nested"] = new JsonObject { ["parent"] = true } };

        var result = await engine.LaunchAsync(flow, ctx);

        var results = result.FinalContext["results"]!.AsArray();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal($$$"""{"nested":{"parent":true,"mine":{{{i}}}}}""", results[i]!["seen"]!.ToJsonString());
        }

        Assert.Equal("""{"nested":{"parent":true}}""", result.FinalContext["shared"]!.ToJsonString());
    }
}
