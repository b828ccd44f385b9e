using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace IssueCore.Testing;

/// <summary>
/// The shared life cycle of every conformance suite: a fresh, empty store per test, built by the
/// adapter's factory on a <see cref="FakeTimeProvider"/>, and disposed after the test.
/// </summary>
/// <typeparam name="TStore">The port under test.</typeparam>
public abstract class ConformanceTests<TStore> : IAsyncLifetime
    where TStore : class
{
    /// <summary>The instant every test starts at (whole seconds, so every storage precision holds it exactly).</summary>
    public static readonly DateTimeOffset StartTime = new(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);

    private TStore? _store;

    /// <summary>The clock the store was created with; tests move it with <see cref="FakeTimeProvider.Advance"/>.</summary>
    protected FakeTimeProvider Time { get; } = new(StartTime);

    /// <summary>The store under test, created fresh for each test.</summary>
    protected TStore Store => _store ?? throw new InvalidOperationException("The store is created in InitializeAsync.");

    /// <summary>
    /// Creates a fresh, empty store that reads time only from <paramref name="timeProvider"/>.
    /// Called once per test.
    /// </summary>
    /// <param name="timeProvider">The clock the store must use for every timestamp, lease and back-off.</param>
    /// <returns>The store.</returns>
    protected abstract Task<TStore> CreateStoreAsync(TimeProvider timeProvider);

    /// <summary>
    /// Releases what <see cref="CreateStoreAsync"/> created (drop a schema, delete a file). The default
    /// disposes the store when it is <see cref="IAsyncDisposable"/> or <see cref="IDisposable"/>.
    /// </summary>
    /// <param name="store">The store the test used.</param>
    /// <returns>A task that completes when the store is released.</returns>
    protected virtual async Task DisposeStoreAsync(TStore store)
    {
        switch (store)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync();
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }

    /// <inheritdoc />
    public virtual async Task InitializeAsync()
    {
        _store = await CreateStoreAsync(Time);
    }

    /// <inheritdoc />
    public virtual async Task DisposeAsync()
    {
        if (_store is { } store)
        {
            _store = null;
            await DisposeStoreAsync(store);
        }
    }

    /// <summary>A token that is already cancelled.</summary>
    protected static CancellationToken CancelledToken => new(canceled: true);

    /// <summary>
    /// How many items the mid-stream cancellation facts store before they enumerate a stream, so that
    /// the stream spans more than one page of the adapter. Defaults to 1,100, more than the adapters of
    /// this repository read per page; an adapter that reads larger pages overrides it.
    /// </summary>
    protected virtual int MultiPageItemCount => 1_100;

    /// <summary>
    /// Enumerates <paramref name="stream"/> and cancels its token after the first item. The stream must
    /// then end with an <see cref="OperationCanceledException"/> before it has delivered every one of
    /// its <paramref name="itemCount"/> items: at once, or at the latest when it would read its next page
    /// (items of a page already read may still be delivered).
    /// </summary>
    /// <typeparam name="T">The item type.</typeparam>
    /// <param name="stream">Opens the stream with the token it gets.</param>
    /// <param name="itemCount">How many items the stream holds (more than one page).</param>
    /// <returns>A task that completes when the assertion has been checked.</returns>
    protected static async Task AssertCancelledAfterTheFirstItemAsync<T>(Func<CancellationToken, IAsyncEnumerable<T>> stream, int itemCount)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var cts = new CancellationTokenSource();
        var delivered = 0;

        await Contract.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var item in stream(cts.Token))
            {
                if (++delivered == 1)
                {
                    await cts.CancelAsync();
                }
            }
        }, "AssertCancelledAfterTheFirstItemAsync");

        Contract.InRange(delivered, 1, itemCount - 1, "AssertCancelledAfterTheFirstItemAsync (checked: delivered)");
    }
}
