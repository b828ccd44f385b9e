using IssueCore.Blueprints;

namespace IssueCore.Abstractions.Tests;

public sealed class VerifiedBlueprintCacheTests
{
    private static readonly BlueprintId Series = BlueprintId.Parse("orbit");

    private static Blueprint Document(int n) => Blueprint.Parse($$$"""{"id":"orbit","metadata":{"version_label":"1.0.{{{n}}}"}}""");

    [Fact]
    public void A_version_read_again_with_the_same_text_is_verified_once_and_shared()
    {
        var cache = new VerifiedBlueprintCache();
        var stored = Document(1);
        var verifications = 0;
        Blueprint Verify(string text)
        {
            verifications++;
            return Blueprint.Parse(text);
        }

        var first = cache.GetOrVerify(Series, stored.Version, stored.CanonicalJson, stored.CanonicalJson, Verify);
        var second = cache.GetOrVerify(Series, stored.Version, stored.CanonicalJson, stored.CanonicalJson, Verify);

        Assert.Equal(1, verifications);
        Assert.Same(first, second);
        Assert.Equal(stored.Version, second.Version);
    }

    [Fact]
    public void A_row_whose_text_differs_from_the_verified_one_is_checked_again_and_its_failure_propagates()
    {
        var cache = new VerifiedBlueprintCache();
        var stored = Document(1);
        _ = cache.GetOrVerify(Series, stored.Version, stored.CanonicalJson, 0, _ => stored);
        var damaged = stored.CanonicalJson.Replace("1.0.1", "6.6.6", StringComparison.Ordinal);

        var error = Assert.Throws<StorageException>(() => cache.GetOrVerify<string>(Series, stored.Version, damaged, damaged, _ => throw new StorageException("damaged row")));

        Assert.Equal("damaged row", error.Message);
        Assert.Same(stored, cache.GetOrVerify(Series, stored.Version, stored.CanonicalJson, 0, _ => throw new InvalidOperationException("verified again")));
    }

    [Fact]
    public void A_remembered_version_is_served_without_verifying_while_a_row_with_other_text_is_still_checked()
    {
        var cache = new VerifiedBlueprintCache();
        var written = Document(1);
        cache.Remember(Series, written);

        var read = cache.GetOrVerify<string>(Series, written.Version, written.CanonicalJson, "", _ => throw new InvalidOperationException("verified again"));
        var damaged = written.CanonicalJson.Replace("1.0.1", "6.6.6", StringComparison.Ordinal);
        var error = Assert.Throws<StorageException>(() => cache.GetOrVerify<string>(Series, written.Version, damaged, damaged, _ => throw new StorageException("damaged row")));

        Assert.Same(written, read);
        Assert.Equal("damaged row", error.Message);
    }

    [Fact]
    public void The_cache_keeps_at_most_its_capacity_and_drops_the_oldest_version_first()
    {
        var cache = new VerifiedBlueprintCache();
        var documents = Enumerable.Range(0, VerifiedBlueprintCache.Capacity + 1).Select(Document).ToArray();
        foreach (var document in documents)
        {
            _ = cache.GetOrVerify(Series, document.Version, document.CanonicalJson, document, d => d);
        }

        var verifications = 0;
        Blueprint Count(Blueprint d)
        {
            verifications++;
            return d;
        }

        // The newest is still held; the oldest was dropped and is verified again.
        _ = cache.GetOrVerify(Series, documents[^1].Version, documents[^1].CanonicalJson, documents[^1], Count);
        Assert.Equal(0, verifications);
        _ = cache.GetOrVerify(Series, documents[0].Version, documents[0].CanonicalJson, documents[0], Count);
        Assert.Equal(1, verifications);
    }
}
