namespace IssueCore.Adapters.Nats.Tests;

/// <summary>Bounded polling for a state the server reaches asynchronously; fails with a message rather than hanging.</summary>
internal static class Eventually
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(50);

    public static async Task<T> ReachesAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what)
    {
        var attempts = (int)(Limit / Pause);
        var last = default(T);
        for (var i = 0; i < attempts; i++)
        {
            last = await probe();
            if (done(last))
            {
                return last;
            }

            await Task.Delay(Pause, TimeProvider.System);
        }

        throw new Xunit.Sdk.XunitException($"Gave up waiting for {what} after {Limit.TotalSeconds} s; last observed: {last}");
    }
}
