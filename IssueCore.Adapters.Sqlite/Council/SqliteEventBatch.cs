using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;
using IssueCore.Council;
using IssueCore.Json;

namespace IssueCore.Adapters.Sqlite;

/// <summary>
/// One row of <c>council_event_batches</c>: the events a single append wrote, as one JSON array of
/// <c>{"s": sequence minus the batch's first sequence, "w": wave, "k": kind, "n": node id, "t": UTC ticks, "p": payload}</c>, Brotli-compressed when that
/// makes it smaller. A recorded run's events are one row instead of one row (and one index entry) each.
/// </summary>
internal sealed record SqliteEventBatch(long FirstSequence, long LastSequence, int Count, int MinWave, int MaxWave, int Encoding, int BodyLength, byte[] Body)
{
    /// <summary>The body is the UTF-8 JSON array.</summary>
    public const int PlainEncoding = 0;

    /// <summary>The body is the UTF-8 JSON array compressed with Brotli.</summary>
    public const int BrotliEncoding = 1;

    /// <summary>A payload may be nested <see cref="JsonLimits.MaxRecordDepth"/> levels; the array and the event object add two.</summary>
    private static JsonDocumentOptions ReadOptions => new() { MaxDepth = JsonLimits.MaxRecordDepth + 2 };

    /// <summary>
    /// Builds the batch of events appended together, all stamped <paramref name="ticks"/> and numbered from 1; the
    /// repository moves the numbers to the range it reserves with <see cref="Renumbered"/>, without touching the body
    /// (which holds each number as an offset from the first).
    /// </summary>
    public static SqliteEventBatch FromDrafts(IReadOnlyList<CouncilRunEventDraft> drafts, long ticks)
    {
        using var builder = new Builder(drafts.Count, first: 1);
        for (var i = 0; i < drafts.Count; i++)
        {
            var d = drafts[i];
            builder.Add(1 + i, d.Wave, d.Kind, d.NodeId, d.Payload, ticks);
        }

        return builder.Finish();
    }

    /// <summary>The same batch numbered from <paramref name="firstSequence"/>.</summary>
    public SqliteEventBatch Renumbered(long firstSequence)
        => this with { FirstSequence = firstSequence, LastSequence = firstSequence + (LastSequence - FirstSequence) };

    /// <summary>Builds a batch of events that already carry their numbers (in increasing order) and timestamps: a recorded run, or what a truncation keeps.</summary>
    public static SqliteEventBatch FromEvents(IReadOnlyList<CouncilRunEvent> events)
    {
        ArgumentOutOfRangeException.ThrowIfZero(events.Count);
        using var builder = new Builder(events.Count, first: events[0].Sequence);
        foreach (var e in events)
        {
            builder.Add(e.Sequence, e.Wave, e.Kind, e.NodeId, e.Payload, SqliteTime.ToTicks(e.Timestamp));
        }

        return builder.Finish();
    }

    /// <summary>Reads a stored batch back into its events, in sequence order.</summary>
    /// <exception cref="StorageException">The row is damaged: an unknown encoding, a body that does not unpack to its length, or JSON that is not a batch.</exception>
    public static List<CouncilRunEvent> Decode(CouncilRunId runId, long firstSequence, int encoding, long bodyLength, byte[] body)
    {
        var json = encoding switch
        {
            PlainEncoding => body,
            BrotliEncoding => Unpack(runId, firstSequence, bodyLength, body),
            _ => throw Damaged(runId, firstSequence, $"unknown encoding {encoding}", null),
        };
        try
        {
            using var document = JsonDocument.Parse(json, ReadOptions);
            var events = new List<CouncilRunEvent>(document.RootElement.GetArrayLength());
            foreach (var item in document.RootElement.EnumerateArray())
            {
                var node = item.GetProperty("n");
                events.Add(new CouncilRunEvent(
                    runId,
                    checked(firstSequence + item.GetProperty("s").GetInt64()),
                    item.GetProperty("w").GetInt32(),
                    item.GetProperty("k").GetString() ?? throw new JsonException("An event has no kind."),
                    node.ValueKind == JsonValueKind.Null ? null : node.GetString(),
                    item.GetProperty("p").Clone(),
                    SqliteTime.FromTicks(item.GetProperty("t").GetInt64())));
            }

            return events;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException or FormatException or ArgumentOutOfRangeException or OverflowException)
        {
            throw Damaged(runId, firstSequence, ex.Message, ex);
        }
    }

    private static byte[] Unpack(CouncilRunId runId, long firstSequence, long bodyLength, byte[] body)
        => SqliteBrotli.TryUnpack(body, bodyLength)
           ?? throw Damaged(runId, firstSequence, $"its body does not unpack to the {bodyLength} bytes it records", null);

    private static StorageException Damaged(CouncilRunId runId, long firstSequence, string why, Exception? inner)
        => new($"The stored events of run '{runId}' from sequence {firstSequence} are not readable: {why}.", inner);

    /// <summary>Writes the events of one batch into a JSON array, then packs it.</summary>
    private sealed class Builder : IDisposable
    {
        private readonly ArrayBufferWriter<byte> _buffer;
        private readonly Utf8JsonWriter _writer;
        private readonly long _first;
        private long _last;
        private int _count;
        private int _minWave = int.MaxValue;
        private int _maxWave = int.MinValue;

        public Builder(int count, long first)
        {
            _first = first;
            _last = first;
            _buffer = new ArrayBufferWriter<byte>(256 + (count * 256));
            _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { MaxDepth = JsonLimits.MaxRecordDepth + 2 });
            _writer.WriteStartArray();
        }

        public void Add(long sequence, int wave, string kind, string? nodeId, JsonElement payload, long ticks)
        {
            _writer.WriteStartObject();
            _writer.WriteNumber("s"u8, sequence - _first);
            _writer.WriteNumber("w"u8, wave);
            _writer.WriteString("k"u8, kind);
            if (nodeId is null)
            {
                _writer.WriteNull("n"u8);
            }
            else
            {
                _writer.WriteString("n"u8, nodeId);
            }

            _writer.WriteNumber("t"u8, ticks);
            _writer.WritePropertyName("p"u8);

            // The payload's own bytes, as the caller's document holds them (an undefined payload is stored as null).
            if (payload.ValueKind == JsonValueKind.Undefined)
            {
                _writer.WriteNullValue();
            }
            else
            {
                _writer.WriteRawValue(JsonMarshal.GetRawUtf8Value(payload), skipInputValidation: true);
            }

            _writer.WriteEndObject();
            _last = sequence;
            _count++;
            _minWave = Math.Min(_minWave, wave);
            _maxWave = Math.Max(_maxWave, wave);
        }

        public void Dispose() => _writer.Dispose();

        public SqliteEventBatch Finish()
        {
            _writer.WriteEndArray();
            _writer.Dispose();
            var json = _buffer.WrittenSpan;
            var body = Pack(json, out var encoding);
            return new SqliteEventBatch(_first, _last, _count, _minWave, _maxWave, encoding, json.Length, body);
        }

        /// <summary>The array compressed when that is smaller and worth the time, else the array itself.</summary>
        private static byte[] Pack(ReadOnlySpan<byte> json, out int encoding)
        {
            var packed = SqliteBrotli.TryPack(json);
            encoding = packed is null ? PlainEncoding : BrotliEncoding;
            return packed ?? json.ToArray();
        }
    }
}
