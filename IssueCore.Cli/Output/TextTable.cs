using System.Text;

namespace IssueCore.Cli.Output;

/// <summary>A plain-text table for people: one header row, aligned columns, long cells cut with an ellipsis.</summary>
internal sealed class TextTable(params string[] headers)
{
    /// <summary>The widest a cell is printed; the JSON output (<c>--json</c>) always carries the full text.</summary>
    public const int MaxCellWidth = 72;

    private readonly List<string[]> _rows = [];

    public int Count => _rows.Count;

    public void Add(params string?[] cells)
    {
        var row = new string[headers.Length];
        for (var i = 0; i < row.Length; i++)
        {
            var cell = i < cells.Length ? cells[i] ?? string.Empty : string.Empty;
            cell = cell.ReplaceLineEndings(" ");
            row[i] = cell.Length > MaxCellWidth ? string.Concat(cell.AsSpan(0, MaxCellWidth - 1), "…") : cell;
        }

        _rows.Add(row);
    }

    public void WriteTo(TextWriter writer)
    {
        var widths = headers.Select(h => h.Length).ToArray();
        foreach (var row in _rows)
        {
            for (var i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        WriteRow(writer, headers, widths);
        WriteRow(writer, widths.Select(w => new string('-', w)).ToArray(), widths);
        foreach (var row in _rows)
        {
            WriteRow(writer, row, widths);
        }
    }

    private static void WriteRow(TextWriter writer, string[] cells, int[] widths)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < cells.Length; i++)
        {
            if (i > 0)
            {
                sb.Append("  ");
            }

            sb.Append(i == cells.Length - 1 ? cells[i] : cells[i].PadRight(widths[i]));
        }

        writer.WriteLine(sb.ToString().TrimEnd());
    }
}
