using System.Text;

namespace Cadence.Sources.Internals;

/// <summary>
/// Reads lines (LF or CRLF) like <see cref="TextReader.ReadLine"/>, except that a line longer
/// than the limit is reported and discarded rather than buffered: a syslog file is untrusted,
/// and one line without a newline must not become a string of gigabytes.
/// </summary>
internal sealed class BoundedLineReader(TextReader reader, int maxLineChars)
{
    /// <summary>
    /// The longest line the line-based readers keep (1 Mi characters): far beyond any real log
    /// line, small enough that a file with no line breaks cannot exhaust memory.
    /// </summary>
    public const int DefaultMaxLineChars = 1 << 20;

    private readonly char[] _buffer = new char[1 << 16];
    private readonly StringBuilder _line = new();
    private int _position;
    private int _length;

    public int MaxLineChars => maxLineChars;

    /// <summary>1-based number of the line last returned.</summary>
    public long LineNumber { get; private set; }

    /// <summary>The next line, or null in <paramref name="line"/> when it was too long; false at the end of the input.</summary>
    public bool TryReadLine(out string? line)
    {
        _line.Clear();
        var tooLong = false;
        var any = false;
        while (true)
        {
            if (_position == _length)
            {
                _length = reader.Read(_buffer, 0, _buffer.Length);
                _position = 0;
                if (_length == 0)
                    break;
            }
            any = true;
            var chunk = _buffer.AsSpan(_position, _length - _position);
            var newline = chunk.IndexOf('\n');
            var part = newline >= 0 ? chunk[..newline] : chunk;
            if (!tooLong)
            {
                if (_line.Length + part.Length > maxLineChars)
                {
                    tooLong = true;
                    _line.Clear();
                }
                else
                {
                    _line.Append(part);
                }
            }
            _position += newline >= 0 ? newline + 1 : chunk.Length;
            if (newline >= 0)
                break;
        }
        if (!any)
        {
            line = null;
            return false;
        }
        LineNumber++;
        if (tooLong)
        {
            line = null;
            return true;
        }
        if (_line.Length > 0 && _line[^1] == '\r')
            _line.Length--;
        line = _line.ToString();
        return true;
    }
}
