using System.Text;
using Cadence.Sources.Internals;
using Cadence.Telemetry;

namespace Cadence.Sources.Proxy;

/// <summary>
/// The W3C extended log file format as IIS, Forefront TMG, Blue Coat and many proxies write it,
/// gzip or not, recognized from a leading directive (#Software, #Version, #Date, #Fields). The
/// #Fields directive says which values a line holds and in which order; it is re-read at every
/// block, so restarts and concatenated logs with different fields work.
/// </summary>
/// <remarks>
/// The device is always the client (c-ip). In a forward proxy's log that is the internal host
/// being hunted and the remote end is the server it reached. IIS writes its log as the server,
/// so there the client is whoever called the site, often from outside, and the remote end is the
/// IIS server itself: a series is a client polling this server (a web shell's operator, a
/// scanner, an agent checking in), seen from the server's side.
/// </remarks>
public sealed class W3CExtendedLogFormat : ITelemetryFormat
{
    public string Name => "W3C extended log (IIS, proxies)";

    public TelemetryFields MayProvide =>
        new W3CColumns("date time c-ip c-port r-ip r-port cs-method cs-uri cs-host cs(User-Agent) sc-status time-taken cs-bytes sc-bytes x-cs-upgrade").Provides
        | TelemetryFields.Observer;

    public bool Recognizes(ReadOnlySpan<byte> head) =>
        head.StartsWith("#Software:"u8) || head.StartsWith("#Version:"u8) || head.StartsWith("#Fields:"u8)
        || head.StartsWith("#Date:"u8) || head.StartsWith("#Start-Date:"u8) || head.StartsWith("#Remark:"u8);

    public IEnumerable<NetworkEvent> Read(Stream content, InputFile input, ReadContext context)
    {
        using var text = new StreamReader(content, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        var account = new DeferredIngest(context, input);
        var mapper = new W3CLineMapper(context.Pool, input);
        W3CColumns? columns = null;
        string? date = null;
        string? software = null;
        var lines = new BoundedLineReader(text, BoundedLineReader.DefaultMaxLineChars);
        while (lines.TryReadLine(out var kept))
        {
            var line = lines.LineNumber;
            if (kept is not { } raw)
            {
                account.TooLong(line, lines.MaxLineChars);
                continue;
            }
            if (raw.AsSpan().IsWhiteSpace())
            {
                account.Blank(line);
                continue;
            }
            if (raw[0] == '#')
            {
                ApplyDirective(raw, context, ref columns, ref date, ref software);
                continue;
            }

            // What the input provides is decided by the #Fields in force at its first line; a
            // later block with other fields is read by its own fields all the same.
            var ingest = account.Ingest ?? account.Begin(Name, Provides(columns, software));
            if (columns is null)
            {
                ingest.Reject(line, RowReasons.WrongColumnCount, "a line before any #Fields directive");
                continue;
            }
            if (columns.Missing(date is not null) is { } missing)
            {
                ingest.Reject(line, ProxyReasons.MissingW3CFields, $"#Fields lacks {missing}");
                continue;
            }
            var outcome = mapper.Map(raw, line, columns, date, software);
            if (outcome.Account(ingest))
                yield return outcome.Event;
        }
        if (account.Ingest is null)
            account.Begin(Name, Provides(columns, software));
    }

    private static TelemetryFields Provides(W3CColumns? columns, string? software) =>
        columns is null ? TelemetryFields.None : columns.Provides | (software is null ? TelemetryFields.None : TelemetryFields.Observer);

    private static void ApplyDirective(string line, ReadContext context, ref W3CColumns? columns, ref string? date, ref string? software)
    {
        var colon = line.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
            return;
        var name = line.AsSpan(1, colon - 1);
        var value = line.AsSpan(colon + 1).Trim();
        if (name.Equals("Fields", StringComparison.OrdinalIgnoreCase))
        {
            columns = new W3CColumns(value);
        }
        else if (name.Equals("Date", StringComparison.OrdinalIgnoreCase))
        {
            // The day lines are dated by when a block has no date field: "#Date: 2024-03-26 09:39:50".
            var space = value.IndexOf(' ');
            date = (space < 0 ? value : value[..space]).ToString();
        }
        else if (name.Equals("Software", StringComparison.OrdinalIgnoreCase))
        {
            software = value.IsEmpty ? null : context.Pool.Intern(value);
        }
    }
}
