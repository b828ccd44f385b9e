namespace IssueCore.Blueprints;

/// <summary>
/// The Blueprints a store has read and verified, by series and version, so a stored version is parsed, canonicalised
/// and hashed once, not on every read. A row is served from the cache only when its stored text is exactly the cached
/// document's canonical text, which verification already proved hashes to that version: a damaged row differs from it
/// and goes through the full check (and fails it) as before. Bounded: the oldest entry goes when
/// <see cref="Capacity"/> is reached. Thread-safe; a <see cref="Blueprint"/> is immutable, so readers share it.
/// </summary>
/// <remarks>For adapters: hold one per database (or per store instance) and call <see cref="GetOrVerify"/> with each row read.</remarks>
public sealed class VerifiedBlueprintCache
{
    /// <summary>How many versions are kept (a dispatch reads the orbit flow and the target heads).</summary>
    public const int Capacity = 256;

    private readonly Lock _gate = new();
    private readonly Dictionary<(string Series, string Version), Blueprint> _entries = [];
    private readonly Queue<(string Series, string Version)> _order = new();

    /// <summary>
    /// Returns the cached Blueprint of (<paramref name="id"/>, <paramref name="version"/>) when
    /// <paramref name="content"/> is its canonical text; otherwise runs <paramref name="verify"/> (which parses and
    /// checks the row, throwing when it is damaged) and caches what it returns.
    /// </summary>
    /// <typeparam name="TState">What <paramref name="verify"/> needs, passed through without a closure.</typeparam>
    /// <param name="id">The series the row belongs to.</param>
    /// <param name="version">The version the row claims.</param>
    /// <param name="content">The row's stored text.</param>
    /// <param name="state">Passed to <paramref name="verify"/>.</param>
    /// <param name="verify">Parses and checks the row; throws when it is damaged (nothing is cached then).</param>
    /// <returns>The verified Blueprint.</returns>
    public Blueprint GetOrVerify<TState>(BlueprintId id, BlueprintVersion version, string content, TState state, Func<TState, Blueprint> verify)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(verify);
        var key = (id.Value, version.Value);
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var cached) && string.Equals(cached.CanonicalJson, content, StringComparison.Ordinal))
            {
                return cached;
            }
        }

        var blueprint = verify(state);
        Add(key, blueprint);
        return blueprint;
    }

    /// <summary>
    /// Holds a Blueprint the store has just written under (<paramref name="id"/>, its version), so the next read of that
    /// row (the new head, read by the next dispatch) is served without parsing it again. Safe also when the write is
    /// then rolled back: a row is served from the cache only when its text is this Blueprint's canonical text, and a
    /// <see cref="Blueprint"/>'s version is the hash of that text.
    /// </summary>
    /// <param name="id">The series written.</param>
    /// <param name="blueprint">The Blueprint written (its canonical text is what the row holds).</param>
    public void Remember(BlueprintId id, Blueprint blueprint)
    {
        ArgumentNullException.ThrowIfNull(blueprint);
        Add((id.Value, blueprint.Version.Value), blueprint);
    }

    private void Add((string Series, string Version) key, Blueprint blueprint)
    {
        lock (_gate)
        {
            if (!_entries.ContainsKey(key))
            {
                if (_entries.Count >= Capacity && _order.TryDequeue(out var oldest))
                {
                    _entries.Remove(oldest);
                }

                _order.Enqueue(key);
            }

            _entries[key] = blueprint;
        }
    }
}
