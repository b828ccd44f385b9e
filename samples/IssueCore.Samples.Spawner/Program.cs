// IssueCore patch spawner sample: an emitter sends an issue with a title and a description but no patch; a
// deterministic patch spawner turns its intent into an RFC 6902 patch; the built-in flow checks it on every verifier
// axis and commits it. On embedded SQLite.
//
//   dotnet run --project samples/IssueCore.Samples.Spawner
//   dotnet run --project samples/IssueCore.Samples.Spawner -- --db /tmp/spawner.db
using IssueCore.Samples.Spawner;

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

return await SpawnerSampleApp.RunAsync(args, Console.Out, stop.Token);
