using System.Text;
using Cadence.Sources.Internals;
using Cadence.Telemetry;

namespace Cadence.Sources.Proxy;

/// <summary>
/// Squid's access.log in its native layout (the default <c>logformat squid</c>) or the
/// Apache-style <c>common</c> and <c>combined</c> layouts with Squid's result code at the end,
/// gzip or not, recognized from the first line's shape. One event per request: the client is the
/// device, the origin server (or parent proxy) the remote end, the CONNECT target or the URL's
/// host the destination host.
/// </summary>
/// <remarks>
/// In a forward proxy's log the client address is the device being hunted: every line is one of
/// its requests, so a beacon through the proxy shows up as a series from one client to one
/// destination host, which a network sensor in front of the proxy sees only as traffic to the
/// proxy (see the Zeek proxy tests).
/// </remarks>
public sealed class SquidAccessLogFormat : ITelemetryFormat
{
    // Far longer than any access.log line; a first "line" beyond it is not a log line.
    private const int MaxRecognizedLine = 16 * 1024;

    public string Name => "Squid access.log (native, common or combined)";

    public TelemetryFields MayProvide => SquidLineMapper.Provides(SquidLayout.Native) | SquidLineMapper.Provides(SquidLayout.Combined);

    public bool Recognizes(ReadOnlySpan<byte> head)
    {
        head = head.TrimStart(" \t\r\n"u8);
        var end = head.IndexOfAny((byte)'\n', (byte)'\r');
        var first = end < 0 ? head : head[..end];
        if (first.IsEmpty || first.Length > MaxRecognizedLine || first[0] is (byte)'#' or (byte)'{' or (byte)'[')
            return false;
        return SquidLineMapper.LooksLikeSquid(Encoding.UTF8.GetString(first));
    }

    public IEnumerable<NetworkEvent> Read(Stream content, InputFile input, ReadContext context)
    {
        using var text = new StreamReader(content, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        var account = new DeferredIngest(context, input);
        var mapper = new SquidLineMapper(context.Pool, input);
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
            // What the input provides is decided by its first line: a file switching layout midway
            // is read line by line all the same, but keeps the first layout's declaration.
            var ingest = account.Ingest ?? Begin(account, SquidLineMapper.LayoutOf(raw));
            var outcome = mapper.Map(raw, line);
            if (outcome.Account(ingest))
                yield return outcome.Event;
        }
        if (account.Ingest is null)
            account.Begin("Squid access.log", TelemetryFields.None);
    }

    private static InputIngest Begin(DeferredIngest account, SquidLayout layout) =>
        account.Begin($"Squid access.log ({layout.ToString().ToLowerInvariant()})", SquidLineMapper.Provides(layout));
}
