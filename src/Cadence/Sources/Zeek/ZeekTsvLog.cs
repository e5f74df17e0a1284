using System.Globalization;
using System.Text;

namespace Cadence.Sources.Zeek;

/// <summary>
/// A Zeek log in its native tab-separated form, line by line, honouring the header directives:
/// #separator (written as \x09), #set_separator, #empty_field, #unset_field, #path, #fields and
/// #types; #open and #close are bookkeeping. A log may carry several header blocks (rotated files
/// concatenated), each re-read when it appears.
/// </summary>
internal sealed class ZeekTsvLog(TextReader reader)
{
    private string[] _fields = [];

    public char Separator { get; private set; } = '\t';

    public string SetSeparator { get; private set; } = ",";

    public string EmptyField { get; private set; } = "(empty)";

    public string UnsetField { get; private set; } = "-";

    /// <summary>The log's kind from #path (conn, http, ssl, ...); empty until the header says.</summary>
    public string Path { get; private set; } = string.Empty;

    public IReadOnlyList<string> Fields => _fields;

    /// <summary>1-based number of the line last returned.</summary>
    public long LineNumber { get; private set; }

    /// <summary>Raised when a #fields line (re)defines the columns.</summary>
    public event Action? FieldsChanged;

    /// <summary>The next data line, split into raw values; header lines are applied on the way.</summary>
    public bool TryReadRecord(out string[] values)
    {
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            LineNumber++;
            if (line.Length == 0)
                continue;
            if (line[0] == '#')
            {
                ApplyDirective(line);
                continue;
            }
            values = line.Split(Separator);
            return true;
        }
        values = [];
        return false;
    }

    /// <summary>The value as Zeek wrote it, or null when unset; "(empty)" becomes "".</summary>
    public string? Value(string raw)
    {
        if (raw == UnsetField)
            return null;
        if (raw == EmptyField)
            return string.Empty;
        return raw.Contains("\\x", StringComparison.Ordinal) ? Unescape(raw) : raw;
    }

    private void ApplyDirective(string line)
    {
        if (line.StartsWith("#separator ", StringComparison.Ordinal))
        {
            var value = Unescape(line["#separator ".Length..]);
            if (value.Length == 1)
                Separator = value[0];
            return;
        }
        var parts = line.Split(Separator, 2);
        var value2 = parts.Length > 1 ? parts[1] : string.Empty;
        switch (parts[0])
        {
            case "#set_separator": SetSeparator = value2; break;
            case "#empty_field": EmptyField = value2; break;
            case "#unset_field": UnsetField = value2; break;
            case "#path": Path = value2; break;
            case "#fields":
                _fields = value2.Split(Separator);
                FieldsChanged?.Invoke();
                break;
        }
    }

    /// <summary>Zeek writes non-printable bytes (and a separator inside a value) as \xNN.</summary>
    internal static string Unescape(string value)
    {
        var bytes = new List<byte>(value.Length);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\' && i + 3 < value.Length && value[i + 1] == 'x'
                && byte.TryParse(value.AsSpan(i + 2, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
            {
                bytes.Add(b);
                i += 3;
                continue;
            }
            var n = Encoding.UTF8.GetBytes(value.AsSpan(i, char.IsHighSurrogate(value[i]) && i + 1 < value.Length ? 2 : 1), utf8);
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length)
                i++;
            for (var k = 0; k < n; k++)
                bytes.Add(utf8[k]);
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}
