using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace IssueCore.Throughput;

/// <summary>
/// Counts the SQLite stores' committed write transactions and the pages each wrote to the WAL, by store operation,
/// from the adapter's <c>issuecore.sqlite.*</c> counters: where a dispatch's disk bytes go.
/// </summary>
internal sealed class StorageWriteWatch : IDisposable
{
    private readonly MeterListener _listener;
    private readonly ConcurrentDictionary<string, Counts> _byOperation = new(StringComparer.Ordinal);
    private long _checkpoints;

    public StorageWriteWatch()
    {
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "IssueCore" && instrument.Name is "issuecore.sqlite.write_transactions" or "issuecore.sqlite.pages_written" or "issuecore.sqlite.background_checkpoints")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "issuecore.sqlite.background_checkpoints")
            {
                Interlocked.Add(ref _checkpoints, value);
                return;
            }

            var operation = "?";
            foreach (var tag in tags)
            {
                if (tag.Key == "issuecore.operation" && tag.Value is string text)
                {
                    operation = text;
                }
            }

            var counts = _byOperation.GetOrAdd(operation, static _ => new Counts());
            if (instrument.Name == "issuecore.sqlite.write_transactions")
            {
                Interlocked.Add(ref counts.Transactions, value);
            }
            else
            {
                Interlocked.Add(ref counts.Pages, value);
            }
        });
        _listener.Start();
    }

    public long Transactions => _byOperation.Values.Sum(c => Interlocked.Read(ref c.Transactions));

    public long Pages => _byOperation.Values.Sum(c => Interlocked.Read(ref c.Pages));

    public void Reset()
    {
        _byOperation.Clear();
        Interlocked.Exchange(ref _checkpoints, 0);
    }

    public string Report(int dispatched, int pageSize)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"SQLite writes over {dispatched:N0} dispatches (page size {pageSize} B; per dispatch: transactions, WAL pages, WAL KB):");
        foreach (var (name, c) in _byOperation.OrderByDescending(p => p.Value.Pages))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {name,-60} {c.Transactions / (double)dispatched,6:N2} {c.Pages / (double)dispatched,7:N2} {c.Pages * (pageSize + 24) / 1024.0 / dispatched,8:N1}");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"  {"total",-60} {Transactions / (double)dispatched,6:N2} {Pages / (double)dispatched,7:N2} {Pages * (pageSize + 24) / 1024.0 / dispatched,8:N1}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  background WAL checkpoints: {Interlocked.Read(ref _checkpoints):N0}");
        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();

    private sealed class Counts
    {
        public long Transactions;
        public long Pages;
    }
}
