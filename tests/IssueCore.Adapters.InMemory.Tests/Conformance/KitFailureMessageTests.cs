using IssueCore.Adapters.InMemory;
using IssueCore.Issues;
using IssueCore.Testing;
using Xunit.Sdk;

namespace IssueCore.Adapters.InMemory.Tests.Conformance;

/// <summary>A store that breaks the contract makes the kit fail with the rule in words, not only two values.</summary>
public sealed class KitFailureMessageTests
{
    [Fact]
    public async Task A_store_whose_lease_conflict_lacks_Expected_fails_with_the_rule_naming_ConflictException_Expected()
    {
        var failure = await FailureOfAsync(new SuiteOverAStoreWithoutExpected(), s => s.Only_the_lease_holder_completes_and_the_issue_is_left_untouched());

        Assert.StartsWith("The port contract requires: ", failure.Message, StringComparison.Ordinal);
        Assert.Contains("ConflictException.Expected the owner the caller claimed to be", failure.Message, StringComparison.Ordinal);
        Assert.Matches("Expected: +\"?w2\"?", failure.Message); // xunit's own values follow the rule
        Assert.Matches("Actual: +null", failure.Message);
    }

    [Fact]
    public async Task A_store_that_claims_nothing_fails_the_model_test_with_the_claim_rule_and_the_operation()
    {
        var failure = await FailureOfAsync(new SuiteOverAStoreThatNeverClaims(), s => s.Random_operation_sequence_matches_the_reference_model());

        Assert.Contains("The port contract requires: ClaimNextAsync claims the issue the reference model picks", failure.Message, StringComparison.Ordinal);
        Assert.Contains("of the generated sequence", failure.Message, StringComparison.Ordinal);
    }

    // Runs one fact of the suite, with its fresh store, and returns how it failed.
    private static async Task<XunitException> FailureOfAsync(IssueStoreConformanceTests suite, Func<IssueStoreConformanceTests, Task> fact)
    {
        await suite.InitializeAsync();
        try
        {
            return await Assert.ThrowsAsync<XunitException>(() => fact(suite));
        }
        finally
        {
            await suite.DisposeAsync();
        }
    }

    // Not public, so xunit does not run the inherited facts as tests of their own.
    private sealed class SuiteOverAStoreWithoutExpected : IssueStoreConformanceTests
    {
        protected override Task<IIssueStore> CreateStoreAsync(TimeProvider timeProvider)
            => Task.FromResult<IIssueStore>(new BrokenStore(new InMemoryIssueStore(timeProvider), dropExpected: true, neverClaim: false));
    }

    private sealed class SuiteOverAStoreThatNeverClaims : IssueStoreConformanceTests
    {
        protected override Task<IIssueStore> CreateStoreAsync(TimeProvider timeProvider)
            => Task.FromResult<IIssueStore>(new BrokenStore(new InMemoryIssueStore(timeProvider), dropExpected: false, neverClaim: true));
    }

    private sealed class BrokenStore(IIssueStore inner, bool dropExpected, bool neverClaim) : IIssueStore
    {
        public Task<IssueCreateResult> CreateAsync(IssueDraft draft, CancellationToken cancellationToken = default) => inner.CreateAsync(draft, cancellationToken);

        public Task<Issue?> FindAsync(IssueId id, CancellationToken cancellationToken = default) => inner.FindAsync(id, cancellationToken);

        public Task<Issue?> FindByIdempotencyKeyAsync(string idempotencyKey, CancellationToken cancellationToken = default) => inner.FindByIdempotencyKeyAsync(idempotencyKey, cancellationToken);

        public Task<Issue?> ClaimNextAsync(string owner, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
            => neverClaim ? Task.FromResult<Issue?>(null) : inner.ClaimNextAsync(owner, leaseDuration, cancellationToken);

        public Task<Issue> RenewLeaseAsync(IssueId id, string owner, TimeSpan leaseDuration, CancellationToken cancellationToken = default) => inner.RenewLeaseAsync(id, owner, leaseDuration, cancellationToken);

        public async Task<Issue> CompleteAsync(IssueId id, string owner, IssueStatus status, CancellationToken cancellationToken = default)
        {
            try
            {
                return await inner.CompleteAsync(id, owner, status, cancellationToken);
            }
            catch (ConflictException conflict) when (dropExpected)
            {
                throw new ConflictException(conflict.Message, expected: null, actual: conflict.Actual);
            }
        }

        public Task<Issue> ReleaseAsync(IssueId id, string owner, DateTimeOffset notBefore, string? error, CancellationToken cancellationToken = default) => inner.ReleaseAsync(id, owner, notBefore, error, cancellationToken);

        public Task<IssuePage> ListAsync(IssueQuery query, CancellationToken cancellationToken = default) => inner.ListAsync(query, cancellationToken);
    }
}
