// A complete IssueCore node: it ingests issues over HTTP, stores everything in one SQLite file and dispatches
// the queue in the background. See README.md next to this file for the settings and a curl example.
//
//   ISSUE_CORE_API_KEY="$(openssl rand -base64 32)" dotnet run --project samples/IssueCore.Samples.WebHost
using IssueCore.Samples.WebHost;

var app = WebHostApp.Build(args);
await app.RunAsync();
