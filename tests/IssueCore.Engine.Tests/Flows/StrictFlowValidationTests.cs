using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using IssueCore.Blueprints;
using IssueCore.Engine.Tests.Support;
using IssueCore.Enhance;
using IssueCore.Flows;

namespace IssueCore.Engine.Tests.Flows;

public sealed partial class StrictFlowValidationTests
{
    [Fact]
    public void A_misspelt_member_of_a_nested_node_is_an_error_naming_the_node_and_the_member()
    {
        var bp = EngineHarness.Blueprint("""{"kind":"seq","children":[{"kind":"fanout","items":"$.xs","bind":"$.x","max_paralel":2,"body":{"kind":"seq","children":[]}}]}""");

        var error = Assert.Single(FlowValidator.Validate(bp));

        Assert.Equal("$.flow.children[0].max_paralel", error.Path);
        Assert.Contains("'max_paralel'", error.Message, StringComparison.Ordinal);
        Assert.Contains("$.flow.children[0]", error.Message, StringComparison.Ordinal);
        Assert.Contains("max_parallel", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"kind":"step","ref":"h","input":{"op":"path","at":"$"}}""", "$.flow.input")]
    [InlineData("""{"kind":"seq","children":[],"parallel":true}""", "$.flow.parallel")]
    [InlineData("""{"kind":"branch","cond":{"op":"const","value":true},"then":{"kind":"seq","children":[]},"otherwise":{"kind":"seq","children":[]}}""", "$.flow.otherwise")]
    [InlineData("""{"kind":"loop","body":{"kind":"seq","children":[]},"until":{"op":"const","value":true},"max_iterations":1,"max_iteration":2}""", "$.flow.max_iteration")]
    [InlineData("""{"kind":"try","body":{"kind":"seq","children":[]},"error_at":"$.e"}""", "$.flow.error_at")]
    [InlineData("""{"kind":"assign","at":"$.a","value":{"op":"const","value":1},"to":"$.b"}""", "$.flow.to")]
    public void Unknown_members_are_refused_in_every_node_kind(string flow, string path)
    {
        var error = Assert.Single(FlowValidator.Validate(EngineHarness.Blueprint(flow, EngineHarness.HostAgents("h"))));

        Assert.Equal(path, error.Path);
    }

    [Fact]
    public void Unknown_members_elsewhere_in_the_blueprint_are_still_kept_and_accepted()
    {
        var bp = Blueprint.Parse("""{"id":"x","owner":"team","metadata":{"version_label":"1.0.0","tags":["a"]},"agents":[{"name":"h","kind":"host","note":"n"}],"flow":{"kind":"step","ref":"h"}}""");

        Assert.Empty(FlowValidator.Validate(bp));
    }

    [Fact]
    public void Err_at_must_be_a_path_below_the_root()
    {
        Assert.Equal("$.flow.err_at", Assert.Single(FlowValidator.Validate(EngineHarness.Blueprint("""{"kind":"try","body":{"kind":"seq","children":[]},"err_at":"$"}"""))).Path);
        Assert.Equal("$.flow.err_at", Assert.Single(FlowValidator.Validate(EngineHarness.Blueprint("""{"kind":"try","body":{"kind":"seq","children":[]},"err_at":"error"}"""))).Path);
        Assert.Empty(FlowValidator.Validate(EngineHarness.Blueprint("""{"kind":"try","body":{"kind":"seq","children":[]},"err_at":"$.failures[0]"}""")));
    }

    [Fact]
    public void Race_is_a_join_and_anything_else_unknown_is_not()
    {
        Assert.Empty(FlowValidator.Validate(EngineHarness.Blueprint("""{"kind":"fanout","items":"$.xs","bind":"$.x","join":"race","body":{"kind":"seq","children":[]}}""")));
        var error = Assert.Single(FlowValidator.Validate(EngineHarness.Blueprint("""{"kind":"fanout","items":"$.xs","bind":"$.x","join":"first","body":{"kind":"seq","children":[]}}""")));
        Assert.Contains("'race'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stored_flow_that_breaks_the_new_rules_fails_at_launch_naming_node_and_member()
    {
        var bp = EngineHarness.Blueprint("""{"kind":"seq","children":[{"kind":"branch","cond":{"op":"const","value":"false"},"then":{"kind":"seq","children":[]}},{"kind":"fanout","items":"$.xs","bind":"$.x","max_paralel":2,"body":{"kind":"seq","children":[]}}]}""");

        var ex = Assert.Throws<ValidationException>(() => FlowValidator.Parse(bp, new HashSet<string>()));

        var paths = ex.Errors.Select(e => e.Path).ToList();
        Assert.Contains("$.flow.children[0].cond", paths);
        Assert.Contains("$.flow.children[1].max_paralel", paths);
    }

    [Fact]
    public void The_built_in_enhance_flow_still_validates()
    {
        Assert.Empty(FlowValidator.Validate(EnhanceDefaults.Blueprint));
    }

    [Fact]
    public void Every_sample_and_documentation_blueprint_and_flow_still_validates()
    {
        var root = RepositoryRoot();
        var checkedCount = 0;
        var problems = new List<string>();
        foreach (var (source, json) in RepositoryFlows(root))
        {
            checkedCount++;
            var node = JsonNode.Parse(json)!.AsObject();
            if (!node.ContainsKey("flow"))
            {
                node = new JsonObject { ["id"] = "doc", ["flow"] = node };
            }

            // A documented step may call a host agent the example does not declare: only agent refs are excused.
            var errors = FlowValidator.Validate(Blueprint.Parse(node.ToJsonString())).Where(e => !e.Path.EndsWith(".ref", StringComparison.Ordinal));
            problems.AddRange(errors.Select(e => $"{source}: {e.Path}: {e.Message}"));
        }

        Assert.True(checkedCount >= 4, $"only {checkedCount} flows found under {root}");
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    private static IEnumerable<(string Source, string Json)> RepositoryFlows(string root)
    {
        foreach (var folder in new[] { "docs", "samples", "IssueCore.Engine" })
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, folder), "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
                if (relative.Contains("/bin/", StringComparison.Ordinal) || relative.Contains("/obj/", StringComparison.Ordinal) || Path.GetFileName(file).StartsWith("broken", StringComparison.Ordinal))
                {
                    continue;
                }

                if (file.EndsWith(".json", StringComparison.Ordinal) && File.ReadAllText(file).Contains("\"flow\"", StringComparison.Ordinal))
                {
                    yield return (relative, File.ReadAllText(file));
                }
                else if (file.EndsWith(".md", StringComparison.Ordinal))
                {
                    foreach (Match block in JsonBlock().Matches(File.ReadAllText(file)))
                    {
                        var text = block.Groups[1].Value;
                        if (IsFlowOrBlueprint(text))
                        {
                            yield return (relative, text);
                        }
                    }
                }
            }
        }

        var readme = Path.Combine(root, "README.md");
        foreach (Match block in JsonBlock().Matches(File.ReadAllText(readme)))
        {
            if (IsFlowOrBlueprint(block.Groups[1].Value))
            {
                yield return ("README.md", block.Groups[1].Value);
            }
        }
    }

    private static bool IsFlowOrBlueprint(string text)
    {
        try
        {
            return JsonNode.Parse(text) is JsonObject obj && (obj.ContainsKey("flow") || obj.ContainsKey("kind"));
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "IssueCore.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The repository root was not found above the test's folder.");
    }

    [GeneratedRegex("```json\\n(.*?)\\n```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();
}
