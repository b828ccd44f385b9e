using System.Text.Json.Nodes;
using IssueCore.Issues;
using IssueCore.Scripting;
using NuGet.Versioning;

namespace IssueCore.Enhance;

/// <summary>The enhance flow's Lua scripts (embedded resources) and the host primitive they need.</summary>
internal static class EnhanceScripts
{
    /// <summary>The primitive <c>host.semver_bump({label = "1.2.3", bump = "patch"|"minor"|"major"})</c>.</summary>
    public const string SemverBumpPrimitive = "semver_bump";

    public static void Register(LuaScriptExecutor executor)
    {
        executor.RegisterEmbeddedScripts(typeof(EnhanceScripts).Assembly, EnhanceDefaults.ScriptResourcePrefix);
    }

    public static void AddPrimitives(LuaScriptExecutorOptions options)
    {
        if (!options.Primitives.ContainsKey(SemverBumpPrimitive))
        {
            options.AddPrimitive(SemverBumpPrimitive, SemverBump);
        }
    }

    /// <summary>Bumps a semantic version: patch 1.2.3 → 1.2.4 (a pre-release 1.2.3-rc.1 → 1.2.3), minor → 1.3.0, major → 2.0.0.</summary>
    public static JsonNode? SemverBump(JsonNode? argument)
    {
        if (argument is not JsonObject arg
            || arg["label"] is not JsonValue labelValue || !labelValue.TryGetValue<string>(out var label)
            || arg["bump"] is not JsonValue bumpValue || !bumpValue.TryGetValue<string>(out var bumpText))
        {
            throw new ValidationException("$", "semver_bump expects { label = \"1.2.3\", bump = \"patch\"|\"minor\"|\"major\" }.");
        }

        var bump = bumpText switch
        {
            "patch" => VersionBump.Patch,
            "minor" => VersionBump.Minor,
            "major" => VersionBump.Major,
            _ => throw new ValidationException("$.bump", $"'{bumpText}' is not patch, minor or major."),
        };
        return Bump(label, bump);
    }

    public static string Bump(string label, VersionBump bump)
    {
        if (!SemanticVersion.TryParse(label, out var version))
        {
            throw new ValidationException("$.metadata.version_label", $"'{label}' is not a semantic version.");
        }

        var next = bump switch
        {
            VersionBump.Major => new SemanticVersion(version.Major + 1, 0, 0),
            VersionBump.Minor => new SemanticVersion(version.Major, version.Minor + 1, 0),
            _ => version.IsPrerelease
                ? new SemanticVersion(version.Major, version.Minor, version.Patch)
                : new SemanticVersion(version.Major, version.Minor, version.Patch + 1),
        };
        return next.ToNormalizedString();
    }
}
