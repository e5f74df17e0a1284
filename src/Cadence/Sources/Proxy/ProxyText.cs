using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Cadence.Sources.Internals;
using Cadence.Telemetry;

namespace Cadence.Sources.Proxy;

/// <summary>Reasons proxy lines are rejected that the shared <see cref="RowReasons"/> does not word.</summary>
internal static class ProxyReasons
{
    public const string BadStatus = "unparsable status code";
    public const string BadResultCode = "unparsable Squid result code";
    public const string BadDuration = "unparsable duration";
    public const string BadRequestLine = "unparsable request line";
    public const string BadQuoting = "unterminated quoted value";
    public const string NoClient = "line without a client address";
    public const string MissingW3CFields = "missing W3C fields";
    public const string IcpQuery = "ICP/HTCP query between caches, not a client request";
}

/// <summary>Span helpers shared by the line-based proxy readers.</summary>
internal static class ProxyText
{
    /// <summary>The next run of non-blank characters (spaces and tabs separate), advancing <paramref name="rest"/> past it.</summary>
    public static ReadOnlySpan<char> NextToken(ref ReadOnlySpan<char> rest)
    {
        rest = rest.TrimStart(" \t");
        var end = rest.IndexOfAny(' ', '\t');
        if (end < 0)
            end = rest.Length;
        var token = rest[..end];
        rest = rest[end..];
        return token;
    }

    public static int CountTokens(ReadOnlySpan<char> line)
    {
        var count = 0;
        while (!NextToken(ref line).IsEmpty)
            count++;
        return count;
    }

    /// <summary>"-" is how every proxy log writes an absent value.</summary>
    public static bool IsAbsent(ReadOnlySpan<char> value) => value.IsEmpty || value is "-";

    /// <summary>A non-negative count; "-" is absent (null), not 0.</summary>
    public static bool TryCount(ReadOnlySpan<char> text, out long? count)
    {
        count = null;
        if (IsAbsent(text))
            return true;
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            return false;
        count = n;
        return true;
    }

    /// <summary>Milliseconds (Squid's elapsed, W3C time-taken) to ticks; "-" is absent.</summary>
    public static bool TryMilliseconds(ReadOnlySpan<char> text, out long? ticks)
    {
        ticks = null;
        if (!TryCount(text, out var ms))
            return false;
        // A long of milliseconds overflows ticks only past 29,000 years.
        if (ms is { } value)
        {
            if (value > long.MaxValue / TimeSpan.TicksPerMillisecond)
                return false;
            ticks = value * TimeSpan.TicksPerMillisecond;
        }
        return true;
    }

    /// <summary>
    /// Squid's %ts.%03tu, epoch seconds with up to 7 decimals, to UTC ticks: read from the text,
    /// since a double cannot hold today's epoch seconds to the millisecond and back unchanged.
    /// </summary>
    public static bool TryEpochSeconds(ReadOnlySpan<char> text, out long utcTicks)
    {
        utcTicks = 0;
        var dot = text.IndexOf('.');
        var whole = dot < 0 ? text : text[..dot];
        var fraction = dot < 0 ? [] : text[(dot + 1)..];
        // 11 digits of seconds reach the year 5138: enough, and no overflow below.
        if (whole.IsEmpty || whole.Length > 11 || fraction.Length > 7 || (dot >= 0 && fraction.IsEmpty)
            || whole.IndexOfAnyExceptInRange('0', '9') >= 0 || fraction.IndexOfAnyExceptInRange('0', '9') >= 0)
            return false;
        long seconds = 0;
        foreach (var c in whole)
            seconds = seconds * 10 + (c - '0');
        long fractionTicks = 0;
        for (var i = 0; i < 7; i++)
            fractionTicks = fractionTicks * 10 + (i < fraction.Length ? fraction[i] - '0' : 0);
        var ticks = DateTime.UnixEpoch.Ticks + seconds * TimeSpan.TicksPerSecond + fractionTicks;
        if (ticks > DateTime.MaxValue.Ticks)
            return false;
        utcTicks = ticks;
        return true;
    }

    public static bool TryPort(ReadOnlySpan<char> text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port <= 65535;

    /// <summary>A value as quoted in a problem's detail: attacker-chosen text is cut short, never shown whole.</summary>
    public static string Clip(ReadOnlySpan<char> value) => value.Length <= 64 ? value.ToString() : string.Concat(value[..61], "...");
}

/// <summary>
/// Interns the addresses a proxy log repeats on every line (clients, servers) with what kind of
/// address each is, so the per-line cost is one lookup, not an IP parse and a classification.
/// </summary>
internal sealed class AddressCache(StringPool pool)
{
    // Hostile input with a new value on every line must not grow this without bound; past the
    // cap, values are still interned by the pool but classified afresh each time.
    private const int MaxEntries = 1 << 16;

    private readonly Dictionary<string, AddressInfo> _known = new(StringComparer.Ordinal);

    /// <summary>The value, interned, and its RemoteIPType; <see cref="AddressInfo.IsAddress"/> is false for a host name.</summary>
    public AddressInfo Lookup(ReadOnlySpan<char> value)
    {
        var lookup = _known.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(value, out var info))
            return info;
        var text = pool.Intern(value);
        IPAddress? address = null;
        // IPAddress also parses shorthand such as "1" (0.0.0.1) or "10.1": a host name made of digits
        // is not an address, so only the full dotted-quad and colon forms count.
        var isAddress = (value.Count('.') == 3 || value.Contains(':')) && IPAddress.TryParse(value, out address);
        info = new AddressInfo(text, isAddress,
            isAddress ? AddressClassifier.ToRemoteIPType(AddressClassifier.Classify(address!)) : string.Empty);
        if (_known.Count < MaxEntries)
            CollectionsMarshal.GetValueRefOrAddDefault(_known, text, out _) = info;
        return info;
    }
}

internal readonly record struct AddressInfo(string Text, bool IsAddress, string RemoteIPType);

/// <summary>
/// Opens an input's account once the first record shows what the input provides; blank lines
/// read before it are held and booked first, so the account still lists lines in order.
/// </summary>
internal sealed class DeferredIngest(ReadContext context, InputFile input)
{
    private List<long>? _blankLines;
    private List<long>? _longLines;

    public InputIngest? Ingest { get; private set; }

    public void Blank(long line)
    {
        if (Ingest is null)
            (_blankLines ??= []).Add(line);
        else
            Ingest.Skip(line, RowReasons.BlankLine, "empty line");
    }

    /// <summary>A line over the reader's limit: rejected, once the account is open.</summary>
    public void TooLong(long line, int limit)
    {
        if (Ingest is null)
            (_longLines ??= []).Add(line);
        else
            Ingest.Reject(line, RowReasons.LineTooLong, $"over {limit:N0} characters, not kept");
    }

    public InputIngest Begin(string format, TelemetryFields provides)
    {
        if (Ingest is not null)
            return Ingest;
        Ingest = context.Log.Begin(input, format, provides);
        foreach (var line in _blankLines ?? [])
            Ingest.Skip(line, RowReasons.BlankLine, "empty line");
        foreach (var line in _longLines ?? [])
            Ingest.Reject(line, RowReasons.LineTooLong, $"over {BoundedLineReader.DefaultMaxLineChars:N0} characters, not kept");
        _blankLines = null;
        _longLines = null;
        return Ingest;
    }
}
