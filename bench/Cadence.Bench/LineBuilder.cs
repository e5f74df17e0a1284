using System.Globalization;

namespace Cadence.Bench;

/// <summary>Builds one output line in a reused buffer, so writing millions of rows allocates nothing per row.</summary>
internal sealed class LineBuilder
{
    private static readonly string[] FractionFormats = ["D0", "D1", "D2", "D3", "D4", "D5", "D6", "D7"];

    private char[] _buffer = new char[1024];
    private int _length;

    public ReadOnlySpan<char> Span => _buffer.AsSpan(0, _length);

    public void Clear() => _length = 0;

    public LineBuilder Comma() => Char(',');

    public LineBuilder Tab() => Char('\t');

    public void NewLine() => Char('\n');

    public LineBuilder Text(string value)
    {
        Ensure(value.Length);
        value.CopyTo(_buffer.AsSpan(_length));
        _length += value.Length;
        return this;
    }

    public LineBuilder Number(long value)
    {
        Ensure(20);
        value.TryFormat(_buffer.AsSpan(_length), out var written, default, CultureInfo.InvariantCulture);
        _length += written;
        return this;
    }

    /// <summary>An ISO 8601 UTC timestamp with Defender's trimmed fraction (no trailing zeros, none at all on a whole second).</summary>
    public LineBuilder Timestamp(long ticks)
    {
        Ensure(32);
        var time = new DateTime(ticks, DateTimeKind.Utc);
        time.TryFormat(_buffer.AsSpan(_length), out var written, "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        _length += written;
        var fraction = (int)(ticks % TimeSpan.TicksPerSecond);
        if (fraction != 0)
        {
            var digits = 7;
            while (fraction % 10 == 0)
            {
                fraction /= 10;
                digits--;
            }
            Char('.');
            fraction.TryFormat(_buffer.AsSpan(_length), out written, FractionFormats[digits], CultureInfo.InvariantCulture);
            _length += written;
        }
        return Char('Z');
    }

    /// <summary>Seconds with exactly six decimals, as Zeek's TSV writer prints time and interval values (<c>%.6f</c>).</summary>
    public LineBuilder Seconds(long ticks)
    {
        Ensure(32);
        var micros = ticks / 10;
        Number(micros / 1_000_000);
        Char('.');
        (micros % 1_000_000).TryFormat(_buffer.AsSpan(_length), out var written, "D6", CultureInfo.InvariantCulture);
        _length += written;
        return this;
    }

    public LineBuilder Char(char c)
    {
        Ensure(1);
        _buffer[_length++] = c;
        return this;
    }

    private void Ensure(int extra)
    {
        if (_length + extra > _buffer.Length)
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + extra));
    }
}
