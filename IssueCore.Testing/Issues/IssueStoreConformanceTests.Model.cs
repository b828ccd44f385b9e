using IssueCore.Blueprints;
using IssueCore.Issues;
using Xunit;

namespace IssueCore.Testing;

public abstract partial class IssueStoreConformanceTests
{
#pragma warning disable CS1591 // The fact names state the behaviour they check.

    [Fact]
    public async Task Random_operation_sequence_matches_the_reference_model()
    {
        var random = new Random(20260101);
        var model = new IssueModel();
        var version = BlueprintVersion.Parse(new string('b', 64));
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        void Count(string kind) => counts[kind] = counts.GetValueOrDefault(kind) + 1;

        for (var step = 0; step < 500; step++)
        {
            var now = Time.GetUtcNow();
            var roll = random.Next(100);
            var context = $"operation {step} of the generated sequence (roll {roll}, seed 20260101)";
            if (roll < 25)
            {
                var reuse = model.Keys.Count > 0 && random.Next(10) == 0;
                var key = reuse ? model.Keys[random.Next(model.Keys.Count)] : $"key-{step}";
                var priority = (IssuePriority)random.Next(3);
                var result = await Store.CreateAsync(Draft(key: key, priority: priority));
                var expected = model.Create(result.Issue.Id, key, priority, out var created);
                Count(result.Created ? "create" : "duplicate create");
                Contract.True(created == result.Created, context, "CreateAsync creates an issue only for a new idempotency key: a key seen before returns the existing issue with Created false");
                Contract.True(expected.Id == result.Issue.Id, context, "CreateAsync with an idempotency key seen before returns the first issue (same id)");
                AssertMatches(expected, result.Issue, context);
            }
            else if (roll < 50)
            {
                var owner = $"w{random.Next(3)}";
                var lease = TimeSpan.FromSeconds(random.Next(5, 40));
                var claimed = await Store.ClaimNextAsync(owner, lease);
                var expected = model.Claim(owner, lease, now);
                Contract.True(expected?.Id == claimed?.Id, $"{context}: expected claim of {expected?.Id.Value ?? "nothing"}, got {claimed?.Id.Value ?? "nothing"}", "ClaimNextAsync claims the issue the reference model picks: the highest priority, then the oldest, among pending issues whose NotBefore has come and running issues whose lease has expired (the clock reaching LeaseExpiresAt); null when none is claimable");
                Count(expected is null ? "empty claim" : expected.Attempts > 1 ? "reclaim" : "claim");
                if (expected is not null)
                {
                    AssertMatches(expected, claimed!, context);
                }
            }
            else if (roll < 80 && model.PickHeld(random, now) is { } held)
            {
                var action = random.Next(10);
                Issue actual;
                if (action < 4)
                {
                    var status = random.Next(3) switch
                    {
                        0 => IssueStatus.Applied(version),
                        1 => IssueStatus.Rejected("denied"),
                        _ => IssueStatus.Failed("dead letter"),
                    };
                    actual = await Store.CompleteAsync(held.Id, held.Owner!, status);
                    Count("complete");
                    held.Complete(status.State);
                }
                else if (action < 7)
                {
                    var notBefore = now + TimeSpan.FromSeconds(random.Next(0, 30));
                    actual = await Store.ReleaseAsync(held.Id, held.Owner!, notBefore, $"error {step}");
                    Count("release");
                    held.Release(notBefore, $"error {step}");
                }
                else if (action < 9)
                {
                    var lease = TimeSpan.FromSeconds(random.Next(5, 40));
                    actual = await Store.RenewLeaseAsync(held.Id, held.Owner!, lease);
                    Count("renew");
                    held.Renew(lease, now);
                }
                else
                {
                    var error = await Contract.ThrowsAsync<ConflictException>(() => Store.CompleteAsync(held.Id, "intruder", IssueStatus.Rejected("no")), "CompleteAsync by an owner that does not hold the lease throws ConflictException");
                    Contract.True(error.Actual == held.Owner, context, "a refused CompleteAsync throws ConflictException whose Actual names the owner that holds the lease");
                    Count("intruder");
                    actual = await Store.GetAsync(held.Id);
                }

                AssertMatches(held, actual, context);
            }
            else
            {
                Time.Advance(TimeSpan.FromSeconds(random.Next(1, 20)));
                Count("advance");
            }
        }

        // The sequence must exercise every kind of operation, or it proves nothing.
        foreach (var kind in new[] { "create", "duplicate create", "claim", "reclaim", "empty claim", "complete", "release", "renew", "intruder", "advance" })
        {
            Contract.True(counts.GetValueOrDefault(kind) >= 3, $"Only {counts.GetValueOrDefault(kind)} '{kind}' operations: {string.Join(", ", counts.Select(c => $"{c.Key}={c.Value}"))}", "the generated sequence exercises every kind of operation at least three times, or it proves nothing");
        }

        var stored = await ListAllAsync(pageSize: 1000);
        Contract.Equal(model.Issues.Select(i => i.Id), stored.Select(i => i.Id), "ListAsync returns every issue exactly once, oldest first");
        for (var i = 0; i < stored.Count; i++)
        {
            AssertMatches(model.Issues[i], stored[i], "final state");
        }
    }

#pragma warning restore CS1591

    private static void AssertMatches(IssueModel.Entry expected, Issue actual, string context)
    {
        var what = $"{context}, issue {expected.Id}";
        Contract.True(expected.State == actual.Status.State, $"{what}: state {actual.Status.State}, expected {expected.State}", "each operation leaves the issue in the state the reference model predicts (claim: Running; complete: its terminal status; release: Pending; renew: Running)");
        Contract.True(expected.Attempts == actual.Attempts, $"{what}: attempts {actual.Attempts}, expected {expected.Attempts}", "Attempts counts claims: ClaimNextAsync increments it; ReleaseAsync, RenewLeaseAsync and CompleteAsync do not");
        if (expected.State is IssueState.Running or IssueState.Pending)
        {
            Contract.True(expected.Owner == actual.LeaseOwner, $"{what}: owner {actual.LeaseOwner}, expected {expected.Owner}", "LeaseOwner is the owner of the last claim while the issue is running or released");
        }

        Contract.True(expected.Priority == actual.Priority, $"{what}: priority", "an issue keeps the priority it was created with");
        if (expected.State == IssueState.Running)
        {
            Contract.True(expected.Expires == actual.LeaseExpiresAt, $"{what}: lease expiry {actual.LeaseExpiresAt}, expected {expected.Expires}", "LeaseExpiresAt is the time of the claim or of the last renewal plus the lease duration passed to it");
        }

        if (expected.State == IssueState.Pending)
        {
            Contract.True(expected.NotBefore == actual.NotBefore, $"{what}: not-before {actual.NotBefore}, expected {expected.NotBefore}", "a released issue keeps the NotBefore passed to ReleaseAsync (it is not claimable before then)");
            Contract.True(expected.LastError == actual.LastError, $"{what}: last error", "a released issue keeps the error passed to ReleaseAsync as LastError");
        }
    }

    /// <summary>The reference model: a list in creation order and the documented claim rule.</summary>
    private sealed class IssueModel
    {
        public List<Entry> Issues { get; } = [];

        public List<string> Keys { get; } = [];

        public Entry Create(IssueId id, string key, IssuePriority priority, out bool created)
        {
            var existing = Issues.Find(i => i.Key == key);
            if (existing is not null)
            {
                created = false;
                return existing;
            }

            created = true;
            var entry = new Entry(id, key, priority);
            Issues.Add(entry);
            Keys.Add(key);
            return entry;
        }

        public Entry? Claim(string owner, TimeSpan lease, DateTimeOffset now)
        {
            var next = Issues
                .Where(i => (i.State == IssueState.Pending && (i.NotBefore is null || i.NotBefore <= now))
                         || (i.State == IssueState.Running && i.Expires <= now))
                .OrderByDescending(i => i.Priority)
                .FirstOrDefault(); // OrderBy is stable: creation order within a priority.
            if (next is not null)
            {
                next.State = IssueState.Running;
                next.Owner = owner;
                next.Expires = now + lease;
                next.Attempts++;
            }

            return next;
        }

        public Entry? PickHeld(Random random, DateTimeOffset now)
        {
            var held = Issues.Where(i => i.State == IssueState.Running && i.Expires > now).ToList();
            return held.Count == 0 ? null : held[random.Next(held.Count)];
        }

        public sealed class Entry(IssueId id, string key, IssuePriority priority)
        {
            public IssueId Id { get; } = id;

            public string Key { get; } = key;

            public IssuePriority Priority { get; } = priority;

            public IssueState State { get; set; } = IssueState.Pending;

            public string? Owner { get; set; }

            public DateTimeOffset? Expires { get; set; }

            public DateTimeOffset? NotBefore { get; set; }

            public string? LastError { get; set; }

            public int Attempts { get; set; }

            public void Complete(IssueState state)
            {
                State = state;
                Owner = null;
                Expires = null;
            }

            public void Release(DateTimeOffset notBefore, string error)
            {
                State = IssueState.Pending;
                Owner = null;
                Expires = null;
                NotBefore = notBefore;
                LastError = error;
            }

            public void Renew(TimeSpan lease, DateTimeOffset now) => Expires = now + lease;
        }
    }
}
