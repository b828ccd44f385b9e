namespace IssueCore.Samples.Quickstart;

/// <summary>A plain-text table with aligned columns; long cells are cut with an ellipsis.</summary>
internal sealed class TextTable(params string[] headers)
{
    private const int MaxCellWidth = 72;
    private readonly List<string[]> _rows = [];

    public void Add(params string[] cells) => _rows.Add(cells);

    public void Write(TextWriter output)
    {
        var rows = _rows.Select(r => r.Select(Fit).ToArray()).ToList();
        var widths = headers.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        output.WriteLine(Line(headers, widths));
        output.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var row in rows)
        {
            output.WriteLine(Line(row, widths));
        }
    }

    private static string Line(string[] cells, int[] widths)
        => string.Join("  ", cells.Select((c, i) => c.PadRight(widths[i]))).TrimEnd();

    private static string Fit(string cell)
    {
        var flat = cell.ReplaceLineEndings(" ");
        return flat.Length <= MaxCellWidth ? flat : string.Concat(flat.AsSpan(0, MaxCellWidth - 1), "…");
    }
}
