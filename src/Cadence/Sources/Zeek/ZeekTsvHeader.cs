using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using nietras.SeparatedValues;

namespace Cadence.Sources.Zeek;

/// <summary>
/// The header directives in force at a point of a Zeek TSV log: #separator (written as \x09),
/// #set_separator, #empty_field, #unset_field, #path and #fields; #types, #open and #close are
/// bookkeeping. A log may carry several header blocks (rotated files concatenated), each
/// applied where it appears. Immutable: applying a directive gives a new header, so a range of
/// the file read on another thread can start from the one in force where it begins.
/// </summary>
internal sealed class ZeekTsvHeader
{
    private readonly int[] _columns;

    private ZeekTsvHeader(char separator, string setSeparator, string emptyField, string unsetField, string path, string[] fields)
    {
        Separator = separator;
        SetSeparator = setSeparator;
        EmptyField = emptyField;
        UnsetField = unsetField;
        UnsetFirst = unsetField.Length > 0 ? unsetField[0] : '\0';
        EmptyFirst = emptyField.Length > 0 ? emptyField[0] : '\0';
        Path = path;
        Fields = fields;
        Kind = ZeekFields.KindOf(path);
        _columns = new int[ZeekFields.Count];
        for (var f = 0; f < ZeekFields.Count; f++)
            _columns[f] = Array.IndexOf(fields, ZeekFields.Names[f]);
        Missing = FindMissing();
    }

    /// <summary>Zeek's defaults, before any directive.</summary>
    public static ZeekTsvHeader Initial { get; } = new('\t', ",", "(empty)", "-", string.Empty, []);

    public char Separator { get; }

    public string SetSeparator { get; }

    public string EmptyField { get; }

    public string UnsetField { get; }

    /// <summary>The first char of <see cref="UnsetField"/>; '\0' when it is empty.</summary>
    public char UnsetFirst { get; }

    /// <summary>The first char of <see cref="EmptyField"/>; '\0' when it is empty.</summary>
    public char EmptyFirst { get; }

    /// <summary>The log's kind from #path (conn, http, ssl, ...); empty until the header says.</summary>
    public string Path { get; }

    public ZeekLogKind Kind { get; }

    public IReadOnlyList<string> Fields { get; }

    public bool HasFields => Fields.Count > 0;

    /// <summary>The fields a record of this log cannot do without, when the #fields line lacks any; else null.</summary>
    public string? Missing { get; }

    /// <summary>The column of a field in the current #fields line; -1 when absent.</summary>
    public int Column(ZeekField field) => _columns[(int)field];

    /// <summary>The header after the directive <paramref name="line"/> (a line starting with '#').</summary>
    public ZeekTsvHeader Apply(ReadOnlySpan<char> line)
    {
        if (line.StartsWith("#separator "))
        {
            var value = Unescape(line["#separator ".Length..].TrimEnd('\r'));
            return value.Length == 1 && value[0] != Separator ? With(separator: value[0]) : this;
        }
        line = line.TrimEnd('\r');
        var at = line.IndexOf(Separator);
        var name = at < 0 ? line : line[..at];
        var value2 = at < 0 ? [] : line[(at + 1)..];
        return name switch
        {
            "#set_separator" => With(setSeparator: value2.ToString()),
            "#empty_field" => With(emptyField: value2.ToString()),
            "#unset_field" => With(unsetField: value2.ToString()),
            "#path" => With(path: value2.ToString()),
            "#fields" => With(fields: value2.ToString().Split(Separator)),
            _ => this,
        };
    }

    private ZeekTsvHeader With(char? separator = null, string? setSeparator = null, string? emptyField = null, string? unsetField = null,
        string? path = null, string[]? fields = null) =>
        new(separator ?? Separator, setSeparator ?? SetSeparator, emptyField ?? EmptyField, unsetField ?? UnsetField,
            path ?? Path, fields ?? (string[])Fields);

    private string? FindMissing()
    {
        if (Kind == ZeekLogKind.Other || !HasFields)
            return null;
        var missing = new[] { ZeekField.Ts, ZeekField.OrigHost, ZeekField.OrigPort, ZeekField.RespHost, ZeekField.RespPort }
            .Where(f => Column(f) < 0)
            .Select(f => ZeekFields.Names[(int)f])
            .ToList();
        return missing.Count == 0 ? null : string.Join(", ", missing);
    }

    /// <summary>Zeek writes non-printable bytes (and a separator inside a value) as \xNN.</summary>
    internal static string Unescape(ReadOnlySpan<char> value)
    {
        var bytes = new List<byte>(value.Length);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\' && i + 3 < value.Length && value[i + 1] == 'x'
                && byte.TryParse(value.Slice(i + 2, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
            {
                bytes.Add(b);
                i += 3;
                continue;
            }
            var pair = char.IsHighSurrogate(value[i]) && i + 1 < value.Length;
            var n = Encoding.UTF8.GetBytes(value.Slice(i, pair ? 2 : 1), utf8);
            if (pair)
                i++;
            for (var k = 0; k < n; k++)
                bytes.Add(utf8[k]);
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}

/// <summary>One data line of a Zeek TSV log as Sep split it, read through the header in force.</summary>
internal readonly ref struct ZeekTsvRecord(SepReader.Row row, ZeekTsvHeader header) : IZeekRecord
{
    private readonly SepReader.Row _row = row;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGet(ZeekField field, out ReadOnlySpan<char> value)
    {
        var column = header.Column(field);
        if (column < 0)
        {
            value = default;
            return false;
        }
        var raw = _row[column].Span;
        // Both markers are rare in a value's first char ('-' and '(' by default): one compare
        // decides most values before any string comparison.
        if (raw.IsEmpty)
        {
            value = raw;
            return header.UnsetField.Length > 0;
        }
        if (raw[0] == header.UnsetFirst && raw.SequenceEqual(header.UnsetField))
        {
            value = default;
            return false;
        }
        if (raw[0] == header.EmptyFirst && raw.SequenceEqual(header.EmptyField))
        {
            value = [];
            return true;
        }
        // Only free-text fields are looked at for \xNN escapes: Zeek escapes non-printable bytes
        // and separators in strings, never in the numbers, addresses, enums and uids it formats
        // itself (a backslash in one of those fails its parse, as it should).
        value = field is (ZeekField.Method or ZeekField.Host or ZeekField.Uri or ZeekField.UserAgent or ZeekField.ServerName
            or ZeekField.Ja3 or ZeekField.Ja3s or ZeekField.ConnState) && raw.IndexOf('\\') >= 0
            ? ZeekTsvHeader.Unescape(raw) : raw;
        return true;
    }
}
