using System.Text.Json;
using System.Text.Json.Nodes;

namespace IssueCore.Schemas.Tests;

public sealed class SchemaDocumentTests
{
    [Fact]
    public void Every_schema_is_draft_2020_12_with_a_stable_id_named_after_its_file()
    {
        foreach (var name in Schemas.Names)
        {
            var schema = JsonNode.Parse(Schemas.Text(name))!;

            Assert.Equal("https://json-schema.org/draft/2020-12/schema", (string?)schema["$schema"]);
            Assert.Equal(Schemas.IdPrefix + name, (string?)schema["$id"]);
            Assert.NotNull(Schemas.Load(name));
        }
    }

    [Fact]
    public void Every_blueprint_and_ingestion_request_in_the_repository_matches_its_schema()
    {
        var blueprint = Schemas.Load("blueprint.schema.json");
        var request = Schemas.Load("ingestion-request.schema.json");
        var checkedFiles = new List<string>();
        var problems = new List<string>();
        foreach (var file in Schemas.RepositoryJsonFiles())
        {
            JsonNode? node;
            try
            {
                node = JsonNode.Parse(File.ReadAllText(file));
            }
            catch (JsonException)
            {
                continue; // not a JSON document (a deliberately broken fixture is not JSON at all)
            }

            var text = node?.ToJsonString() ?? "null";
            var broken = Path.GetFileName(file).StartsWith("broken", StringComparison.Ordinal);
            if (node is JsonObject obj && obj.ContainsKey("flow"))
            {
                checkedFiles.Add(file);
                if (Schemas.IsValid(blueprint, text) == broken)
                {
                    problems.Add($"{file}: the Blueprint schema {(broken ? "accepts a broken" : "refuses a")} Blueprint");
                }
            }
            else if (node is JsonObject req && req.ContainsKey("triggering_event_id"))
            {
                checkedFiles.Add(file);
                if (!Schemas.IsValid(request, text))
                {
                    problems.Add($"{file}: the ingestion request schema refuses it");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
        Assert.Contains(checkedFiles, f => f.EndsWith("enhance-default.json", StringComparison.Ordinal));
        Assert.Contains(checkedFiles, f => f.EndsWith("orders.blueprint.json", StringComparison.Ordinal));
        Assert.Contains(checkedFiles, f => f.EndsWith("ingestion-request.json", StringComparison.Ordinal));
    }

    [Fact]
    public void The_enhance_setting_schema_accepts_the_stored_form_and_refuses_a_malformed_one()
    {
        var schema = Schemas.Load("enhance-setting.schema.json");

        Assert.True(Schemas.IsValid(schema, """{"orbit_blueprint_id":"enhance-default","selector":{"kind":"latest"},"verifier_axes":["des","canonical","noop","agent-ref"],"ttl_ticks":3000000000}"""));
        Assert.True(Schemas.IsValid(schema, """{"orbit_blueprint_id":"f","selector":{"kind":"semver","range":"^1.2"},"verifier_axes":[],"ttl_ticks":1}"""));
        Assert.False(Schemas.IsValid(schema, """{"orbit_blueprint_id":"f","selector":{"kind":"fixed"},"verifier_axes":[],"ttl_ticks":1}"""));
        Assert.False(Schemas.IsValid(schema, """{"orbit_blueprint_id":"f","selector":{"kind":"newest"},"verifier_axes":[],"ttl_ticks":1}"""));
        Assert.False(Schemas.IsValid(schema, """{"orbit_blueprint_id":"f","selector":{"kind":"latest"},"verifier_axes":[],"ttl_ticks":0}"""));
    }
}
