namespace IssueCore.AspNetCore.Dashboard;

/// <summary>One static file of the dashboard, held in memory with its content type and entity tag.</summary>
internal sealed record DashboardAsset(string Name, string ContentType, byte[] Content, string ETag);
