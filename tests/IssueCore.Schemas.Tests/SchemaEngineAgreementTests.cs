using System.Text;
using IssueCore.Blueprints;
using IssueCore.Flows;
using IssueCore.Ingestion;
using Microsoft.Extensions.DependencyInjection;

namespace IssueCore.Schemas.Tests;

/// <summary>On a corpus of valid and invalid documents, the shipped schema and the engine's own validation agree.</summary>
public sealed class SchemaEngineAgreementTests
{
    private const string Agents = """[{"name":"a","kind":"lua","spec":{"source":"return {ok=true}"}},{"name":"h","kind":"host"}]""";

    private static string Bp(string flow, string agents = Agents) => $$"""{"id":"corpus","metadata":{"version_label":"1.0.0"},"agents":{{agents}},"flow":{{flow}}}""";

    public static TheoryData<string> Blueprints => new()
    {
        Bp("""{"kind":"step","ref":"a"}"""),
        Bp("""{"kind":"step","ref":"a","in":{"op":"path","at":"$.x[0].y"},"out":"$.z"}"""),
        Bp("""{"kind":"seq","children":[]}"""),
        Bp("""{"kind":"seq","children":[{"kind":"assign","at":"$.n","value":{"op":"const","value":1}}]}"""),
        Bp("""{"kind":"fanout","items":"$.xs","bind":"$.x","body":{"kind":"step","ref":"a"},"join":"all_settled","out":"$.r","max_parallel":2}"""),
        Bp("""{"kind":"fanout","items":{"op":"path","at":"$.xs"},"bind":"$.x","body":{"kind":"step","ref":"h"}}"""),
        Bp("""{"kind":"branch","cond":{"op":"path","at":"$.c"},"then":{"kind":"step","ref":"a"}}"""),
        Bp("""{"kind":"branch","cond":{"op":"const","value":true},"then":{"kind":"step","ref":"a"},"else":{"kind":"step","ref":"h"}}"""),
        Bp("""{"kind":"loop","body":{"kind":"step","ref":"a"},"until":{"op":"path","at":"$.done"},"max_iterations":5}"""),
        Bp("""{"kind":"try","body":{"kind":"step","ref":"a"},"catch":{"kind":"step","ref":"h"}}"""),
        Bp("""{"kind":"try","body":{"kind":"step","ref":"a"}}"""),
        // Expressions, strict conditions, err_at and race.
        Bp("""{"kind":"assign","at":"$.n","value":{"op":"add","args":[{"op":"mul","args":[{"op":"path","at":"$.a"},{"op":"const","value":2}]},{"op":"len","args":[{"op":"path","at":"$.xs"}]}]}}"""),
        Bp("""{"kind":"assign","at":"$.n","value":{"op":"div","args":[{"op":"sub","args":[{"op":"path","at":"$.a"},{"op":"const","value":1.5}]},{"op":"path","at":"$.b"}]}}"""),
        Bp("""{"kind":"branch","cond":{"op":"and","args":[{"op":"exists","at":"$.c"},{"op":"eq","args":[{"op":"path","at":"$.c"},{"op":"const","value":"yes"}]},{"op":"not","args":[{"op":"path","at":"$.d"}]}]},"then":{"kind":"step","ref":"a"}}"""),
        Bp("""{"kind":"branch","cond":{"op":"or","args":[{"op":"lt","args":[{"op":"path","at":"$.n"},{"op":"const","value":3}]},{"op":"in","args":[{"op":"const","value":"x"},{"op":"path","at":"$.tags"}]}]},"then":{"kind":"step","ref":"a"}}"""),
        Bp("""{"kind":"loop","body":{"kind":"step","ref":"a"},"until":{"op":"ge","args":[{"op":"path","at":"$.i"},{"op":"const","value":3}]},"max_iterations":5}"""),
        Bp("""{"kind":"branch","cond":{"op":"ne","args":[{"op":"path","at":"$.s"},{"op":"const","value":null}]},"then":{"kind":"step","ref":"a"},"else":null}"""),
        Bp("""{"kind":"try","body":{"kind":"step","ref":"a"},"err_at":"$.failure.last","catch":{"kind":"step","ref":"h"}}"""),
        Bp("""{"kind":"fanout","items":"$.xs","bind":"$.x","body":{"kind":"step","ref":"a"},"join":"race","out":"$.first"}"""),
        // Invalid: expressions and strictness.
        Bp("""{"kind":"assign","at":"$.n","value":{"op":"xor","args":[{"op":"const","value":true},{"op":"const","value":false}]}}"""),
        Bp("""{"kind":"assign","at":"$.n","value":{"op":"not","args":[]}}"""),
        Bp("""{"kind":"assign","at":"$.n","value":{"op":"eq","args":[{"op":"const","value":1}]}}"""),
        Bp("""{"kind":"assign","at":"$.n","value":{"op":"and","args":[{"op":"const","value":true}]}}"""),
        Bp("""{"kind":"assign","at":"$.n","value":{"op":"add","args":[{"op":"const","value":1},{"op":"const","value":2},{"op":"const","value":3}]}}"""),
        Bp("""{"kind":"assign","at":"$.n","value":{"op":"add"}}"""),
        Bp("""{"kind":"assign","at":"$.n","value":{"op":"exists"}}"""),
        Bp("""{"kind":"assign","at":"$.n","value":{"op":"len","args":[{"op":"const","value":5}]}}"""),
        Bp("""{"kind":"assign","at":"$.n","value":{"op":"add","args":[{"op":"const","value":"1"},{"op":"path","at":"$.a"}]}}"""),
        Bp("""{"kind":"assign","at":"$.n","value":{"op":"mul","args":[{"op":"path","at":"$.a"},{"op":"eq","args":[{"op":"path","at":"$.a"},{"op":"const","value":1}]}]}}"""),
        Bp("""{"kind":"assign","at":"$.n","value":{"op":"not","args":[{"op":"len","args":[{"op":"path","at":"$.s"}]}]}}"""),
        Bp("""{"kind":"assign","at":"$.n","value":{"op":"path","at":"$.a","default":0}}"""),
        Bp("""{"kind":"branch","cond":{"op":"const","value":"false"},"then":{"kind":"step","ref":"a"}}"""),
        Bp("""{"kind":"loop","body":{"kind":"step","ref":"a"},"until":{"op":"add","args":[{"op":"path","at":"$.i"},{"op":"const","value":1}]},"max_iterations":5}"""),
        Bp("""{"kind":"fanout","items":"$.xs","bind":"$.x","body":{"kind":"step","ref":"a"},"max_paralel":2}"""),
        Bp("""{"kind":"step","ref":"a","input":{"op":"path","at":"$"}}"""),
        Bp("""{"kind":"seq","children":[{"kind":"try","body":{"kind":"step","ref":"a"},"catch":{"kind":"step","ref":"h","note":"x"}}]}"""),
        Bp("""{"kind":"try","body":{"kind":"step","ref":"a"},"err_at":"$"}"""),
        Bp("""{"kind":"try","body":{"kind":"step","ref":"a"},"err_at":"error"}"""),
        Bp("""{"kind":"fanout","items":"$.xs","bind":"$.x","body":{"kind":"step","ref":"a"},"join":"first"}"""),
        // Invalid: each breaks one rule the schema can express.
        Bp("""{"kind":"stepp","ref":"a"}"""),
        Bp("""{"ref":"a"}"""),
        Bp("""{"kind":"step"}"""),
        Bp("""{"kind":"step","ref":"a","out":"x.y"}"""),
        Bp("""{"kind":"step","ref":"a","in":{"op":"path","at":"$..y"}}"""),
        Bp("""{"kind":"step","ref":"a","in":{"op":"pick","at":"$.y"}}"""),
        Bp("""{"kind":"step","ref":"a","in":{"op":"path"}}"""),
        Bp("""{"kind":"seq"}"""),
        Bp("""{"kind":"seq","children":[{"kind":"nothing"}]}"""),
        Bp("""{"kind":"fanout","items":"$.xs","body":{"kind":"step","ref":"a"}}"""),
        Bp("""{"kind":"fanout","items":"$.xs","bind":"$.x","body":{"kind":"step","ref":"a"},"join":"some"}"""),
        Bp("""{"kind":"fanout","items":"$.xs","bind":"$.x","body":{"kind":"step","ref":"a"},"max_parallel":0}"""),
        Bp("""{"kind":"branch","then":{"kind":"step","ref":"a"}}"""),
        Bp("""{"kind":"loop","body":{"kind":"step","ref":"a"},"until":{"op":"path","at":"$.done"}}"""),
        Bp("""{"kind":"loop","body":{"kind":"step","ref":"a"},"until":{"op":"path","at":"$.done"},"max_iterations":0}"""),
        Bp("""{"kind":"loop","body":{"kind":"step","ref":"a"},"until":{"op":"path","at":"$.done"},"max_iterations":2000000}"""),
        Bp("""{"kind":"try"}"""),
        Bp("""{"kind":"assign","at":"$.n"}"""),
        Bp("""{"kind":"step","ref":"a"}""", """[{"name":"a","kind":"python","spec":{}}]"""),
        Bp("""{"kind":"step","ref":"a"}""", """[{"name":"a","kind":"lua"}]"""),
        Bp("""{"kind":"step","ref":"a"}""", """[{"name":"a","kind":"lua","spec":{"fn_id":"x","source":"return {ok=true}"}}]"""),
        Bp("""{"kind":"step","ref":"a"}""", """[{"kind":"lua","spec":{"source":"return {ok=true}"}}]"""),
        """{"id":"corpus","agents":[]}""",
    };

    [Theory]
    [MemberData(nameof(Blueprints))]
    public void Blueprint_schema_and_flow_validator_agree(string json)
    {
        var schema = Schemas.Load("blueprint.schema.json");

        var engine = FlowValidator.Validate(Blueprint.Parse(json));
        var bySchema = Schemas.IsValid(schema, json);

        Assert.True(bySchema == (engine.Count == 0), $"schema says {(bySchema ? "valid" : "invalid")}, engine says {string.Join("; ", engine.Select(e => e.Path + ": " + e.Message))}");
    }

    private const string Request = """{"title":"t","target_repo":"orders","priority":"high","source_type":"rule","source_id":"s","triggering_event_id":"e-{0}","activity_definition_id":"a"{1}}""";

    public static TheoryData<string, string> Requests => new()
    {
        { "", "" },
        { ",\"labels\":[\"x\",\"y\"],\"due_in_days\":3", "" },
        { ",\"patch\":[{\"op\":\"add\",\"path\":\"/a\",\"value\":1}]", "" },
        { ",\"description\":null,\"intent\":\"why\",\"blueprint_id\":\"orders\"", "" },
        { ",\"emitter_version\":\"2\",\"extra\":{\"any\":[1]}", "" },
        { ",\"priority\":\"urgent\"", "priority" },
        { ",\"source_type\":\"robot\"", "source_type" },
        { ",\"due_in_days\":-1", "due_in_days" },
        { ",\"due_in_days\":4000", "due_in_days" },
        { ",\"labels\":[\"\"]", "labels" },
        { ",\"labels\":[" + string.Join(",", Enumerable.Range(0, 21).Select(i => $"\"l{i}\"")) + "]", "labels" },
        { ",\"patch\":{\"op\":\"add\"}", "patch" },
        { ",\"target_repo\":\"   \"", "target_repo" },
        { ",\"title\":\"" + new string('t', 257) + "\"", "title" },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task Ingestion_request_schema_and_ingestion_validation_agree(string members, string broken)
    {
        // A later member of the same name replaces the earlier one for both readers: build the object without duplicates.
        var node = System.Text.Json.Nodes.JsonNode.Parse(Request.Replace("{0}", Guid.NewGuid().ToString("N"), StringComparison.Ordinal).Replace("{1}", string.Empty, StringComparison.Ordinal))!.AsObject();
        if (members.Length > 0)
        {
            foreach (var (key, value) in System.Text.Json.Nodes.JsonNode.Parse("{" + members[1..] + "}")!.AsObject())
            {
                node[key] = value?.DeepClone();
            }
        }

        var json = node.ToJsonString();
        var services = new ServiceCollection();
        services.AddIssueCore(o => o.Security.AllowDevelopmentKey = true).UseInMemory();
        services.AddIssueCoreIngestion(o => o.RequireExistingSeries = false); // the schema says nothing of which series exist
        await using var provider = services.BuildServiceProvider();
        var ingestion = provider.GetRequiredService<IIssueIngestionService>();
        bool byEngine;
        try
        {
            await ingestion.IngestJsonAsync(Encoding.UTF8.GetBytes(json));
            byEngine = true;
        }
        catch (ValidationException)
        {
            byEngine = false;
        }

        var bySchema = Schemas.IsValid(Schemas.Load("ingestion-request.schema.json"), json);

        Assert.Equal(broken.Length == 0, byEngine);
        Assert.Equal(byEngine, bySchema);
    }
}
