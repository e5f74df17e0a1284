using System.Globalization;
using System.Text;

namespace Cadence.Simulation;

/// <summary>How the writers spell values: CSV fields, JSON strings, Zeek fields, the two formats' times.</summary>
internal static class SimulationText
{
    /// <summary>An RFC 4180 field: quoted when it holds a comma, a quote or a line break, quotes doubled.</summary>
    public static void Csv(StringBuilder line, string? value)
    {
        if (string.IsNullOrEmpty(value))
            return;
        if (value.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            line.Append(value);
            return;
        }
        line.Append('"').Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
    }

    /// <summary>A JSON string literal. Only what JSON requires is escaped, as Defender writes it ("*&lt;|&gt;*" stays as is).</summary>
    public static void Json(StringBuilder json, string value)
    {
        json.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': json.Append("\\\""); break;
                case '\\': json.Append("\\\\"); break;
                case < ' ': json.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: json.Append(c); break;
            }
        }
        json.Append('"');
    }

    /// <summary>A Zeek TSV field: null is the unset field "-", empty is "(empty)", tabs, line breaks and backslashes \x-escaped.</summary>
    public static void Zeek(StringBuilder line, string? value)
    {
        if (value is null)
        {
            line.Append('-');
            return;
        }
        if (value.Length == 0)
        {
            line.Append("(empty)");
            return;
        }
        if (value == "-")
        {
            // A literal "-" would read as unset.
            line.Append("\\x2d");
            return;
        }
        foreach (var c in value)
        {
            if (c is '\t' or '\n' or '\r' or '\\' || c < ' ')
                line.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
            else
                line.Append(c);
        }
    }

    /// <summary>Defender's timestamp: ISO 8601 UTC, the fraction with its trailing zeros trimmed (2023-12-21T17:33:44.663Z).</summary>
    public static void DefenderTime(StringBuilder line, long ticks)
    {
        var time = new DateTime(ticks, DateTimeKind.Utc);
        line.Append(time.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture));
        var fraction = ticks % TimeSpan.TicksPerSecond;
        if (fraction != 0)
            line.Append('.').Append(fraction.ToString("0000000", CultureInfo.InvariantCulture).TrimEnd('0'));
        line.Append('Z');
    }

    /// <summary>Zeek's time: epoch seconds with six decimals (1672843056.913119).</summary>
    public static void ZeekTime(StringBuilder line, long ticks) => Seconds(line, ticks - DateTime.UnixEpoch.Ticks);

    /// <summary>Zeek's interval: seconds with six decimals.</summary>
    public static void Seconds(StringBuilder line, long ticks)
    {
        var micros = ticks / 10;
        line.Append((micros / 1_000_000).ToString(CultureInfo.InvariantCulture)).Append('.')
            .Append((micros % 1_000_000).ToString("000000", CultureInfo.InvariantCulture));
    }

    /// <summary>Zeek's #open and #close stamp (2023-01-05-18-51-06).</summary>
    public static string ZeekStamp(long ticks) => new DateTime(ticks, DateTimeKind.Utc).ToString("yyyy-MM-dd-HH-mm-ss", CultureInfo.InvariantCulture);

    public static StringBuilder Number(this StringBuilder line, long value) => line.Append(value.ToString(CultureInfo.InvariantCulture));
}

/// <summary>
/// Rows that belong a few milliseconds after the connection that caused them (an inspection,
/// an http or ssl record): held until the merged stream has moved past their time, then written
/// in order. Holds only rows younger than the latest connection's start plus their delay.
/// </summary>
internal sealed class ReorderBuffer(TextWriter writer)
{
    private readonly PriorityQueue<string, (long Ticks, long Sequence)> _pending = new();
    private long _sequence;

    public long Rows { get; private set; }

    public void Add(long ticks, string line) => _pending.Enqueue(line, (ticks, _sequence++));

    /// <summary>Writes every held row timed at or before <paramref name="ticks"/>: no later connection can produce an earlier one.</summary>
    public void FlushUpTo(long ticks)
    {
        while (_pending.TryPeek(out _, out var key) && key.Ticks <= ticks)
        {
            writer.Write(_pending.Dequeue());
            Rows++;
        }
    }

    public void FlushAll() => FlushUpTo(long.MaxValue);
}
