using System.Text.Json.Nodes;
using IssueCore.Blueprints;

namespace IssueCore.Enhance.Verifiers;

/// <summary>
/// The Blueprints the verifier router built most recently, by their JSON text, so the axes of one run (which all
/// receive the same previous and proposed documents) share one parse, canonicalisation and hash. Used for runs no
/// dispatch collects (a flow launched directly); a dispatch shares its own <see cref="Governance.DispatchBlueprints"/>.
/// Bounded to <see cref="Capacity"/> documents; a Blueprint is immutable, so sharing it is safe.
/// </summary>
internal sealed class RecentBlueprints
{
    public const int Capacity = 16;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Blueprint> _byText = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    /// <summary>As <see cref="Blueprint.FromNode"/>, reusing the Blueprint built for the same JSON text.</summary>
    /// <exception cref="ValidationException">The node is not a Blueprint.</exception>
    public Blueprint FromNode(JsonNode? node)
    {
        if (node is not JsonObject)
        {
            return Blueprint.FromNode(node); // throws the usual error
        }

        var text = node.ToJsonString();
        lock (_lock)
        {
            if (_byText.TryGetValue(text, out var known))
            {
                return known;
            }
        }

        var built = Blueprint.FromNode(node);
        lock (_lock)
        {
            if (_byText.TryAdd(text, built))
            {
                _order.Enqueue(text);
                if (_order.Count > Capacity)
                {
                    _byText.Remove(_order.Dequeue());
                }
            }
        }

        return built;
    }
}
