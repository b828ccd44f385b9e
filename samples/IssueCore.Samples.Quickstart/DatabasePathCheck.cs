using System.Text;

namespace IssueCore.Samples.Quickstart;

/// <summary>
/// Checks the <c>--db</c> path before anything opens it, so a bad path gets one line that names it and says what is
/// wrong (a folder, not a database, read-only, impossible) instead of a stack trace. Creates missing parent folders
/// and says so.
/// </summary>
internal static class DatabasePathCheck
{
    private static readonly byte[] SqliteHeader = Encoding.ASCII.GetBytes("SQLite format 3\0");

    /// <summary>Returns the problem with <paramref name="path"/>, or <see langword="null"/> when SQLite can use it.</summary>
    public static string? Problem(string path, TextWriter output)
    {
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            return "the path contains a NUL character";
        }

        if (Directory.Exists(path))
        {
            return $"it is a folder, not a database file (try {Path.Combine(path, "issuecore.db")})";
        }

        try
        {
            return File.Exists(path) ? ExistingFileProblem(path) : NewFileProblem(path, output);
        }
        catch (UnauthorizedAccessException)
        {
            return File.Exists(path) ? "it is read-only: the quickstart writes to its database" : "its folder is not writable";
        }
        catch (IOException ex)
        {
            return ex.Message.TrimEnd('.');
        }
    }

    private static string? ExistingFileProblem(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        if (stream.Length == 0)
        {
            return null; // SQLite takes an empty file as an empty database
        }

        var header = new byte[SqliteHeader.Length];
        var read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        return read == header.Length && header.AsSpan().SequenceEqual(SqliteHeader)
            ? null
            : "it is not a SQLite database (the file exists but has no SQLite header); give a new or a SQLite file";
    }

    private static string? NewFileProblem(string path, TextWriter output)
    {
        var folder = Path.GetDirectoryName(path)!;
        var missing = new List<string>();
        var existing = folder;
        while (!Directory.Exists(existing))
        {
            if (File.Exists(existing))
            {
                return $"it cannot be created: '{existing}' is a file, not a folder";
            }

            missing.Add(existing);
            existing = Path.GetDirectoryName(existing);
            if (existing is null)
            {
                return "it cannot be created: none of its folders exists";
            }
        }

        if (missing.Count > 0)
        {
            Directory.CreateDirectory(folder);
            output.WriteLine($"Created the missing folder{(missing.Count == 1 ? "" : "s")} {string.Join(", ", missing.AsEnumerable().Reverse())} for the database.");
        }

        // Probe: SQLite creates the file on first use; find out now whether it can.
        using (new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None))
        {
        }

        File.Delete(path);
        return null;
    }
}
