// A minimal IssueCore web node: it ingests issues over HTTP and serves their status.
// Run:  ISSUE_CORE_API_KEY=change-me dotnet run
// Then: curl -X POST http://localhost:5000/issues/ -H "X-API-Key: change-me" \
//         -H "Content-Type: application/json" -d @issue.json
var builder = WebApplication.CreateBuilder(args);

builder.Services
    // Validation, mapping to a Blueprint id and idempotent enqueue (by triggering_event_id).
    .AddIssueCoreIngestion(o => o.IssueBaseUrl = builder.Configuration["IssueCore:IssueBaseUrl"])
    // Every store in memory: issues are lost on restart. Swap for a durable adapter in production.
    .UseInMemory();

var app = builder.Build();

// POST /issues/, GET /issues/{id}, GET /issues. The key comes from ISSUE_CORE_API_KEY;
// without one the host refuses to start (AllowAnonymousDevelopment opts out, locally only).
app.MapIssueCore(o => o.AllowAnonymousDevelopment = app.Environment.IsDevelopment());

app.Run();
