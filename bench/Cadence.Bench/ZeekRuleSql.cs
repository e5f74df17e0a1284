using System.Globalization;
using System.Text;

namespace Cadence.Bench;

/// <summary>
/// The seed rule as DuckDB SQL over a Zeek conn.log, on Cadence's Zeek mapping (docs/sources.md):
/// DeviceName = id.orig_h, InitiatingProcessFileName empty (a sensor sees no processes),
/// RemoteIP = id.resp_h, RemotePort = id.resp_p, RemoteIPType computed from id.resp_h,
/// ActionType = ConnectionSuccess for the conn_states of a completed handshake, Timestamp = ts,
/// SentBytes and ReceivedBytes = orig_bytes and resp_bytes.
/// </summary>
/// <remarks>
/// <para>
/// The file is read by DuckDB's CSV reader at its best: tab-delimited, no quoting, '#' lines
/// skipped as comments (the header block and #close), '-' read as NULL (Zeek's unset field), and
/// the schema given from the #fields line instead of sniffed (the rule's columns typed, the
/// rest VARCHAR).
/// </para>
/// <para>
/// ts is read as DECIMAL(18,6), Zeek's own precision (it writes time values with <c>%.6f</c>),
/// so the window and the first and last times are exact, as they are in Cadence (no floating
/// point); the window bounds are written with 7 decimals and compared exactly.
/// </para>
/// <para>
/// RemoteIPType == "Public" is <see cref="IsPublic"/>: a CASE-like test over the IPv4 special
/// ranges that Cadence's AddressClassifier knows (private, loopback, link-local, CGNAT,
/// multicast, broadcast, documentation, benchmarking, IETF, this-network, future use), exact for
/// the dotted quads Zeek writes. Every IPv6 address counts as not Public: the generator writes
/// IPv6 only in link-local and multicast space, which Cadence classifies the same way; general
/// IPv6 classification (2000::/3 minus its special blocks) is not attempted in SQL.
/// </para>
/// </remarks>
internal static class ZeekRuleSql
{
    /// <summary>True when the file opens with Zeek's TSV header (the '#separator' line), as Cadence detects it.</summary>
    public static bool IsZeek(string file)
    {
        Span<byte> head = stackalloc byte[11];
        using var stream = File.OpenRead(file);
        var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return head[..read].SequenceEqual("#separator "u8);
    }

    /// <summary>The column names of the first #fields line.</summary>
    public static string[] FieldNames(string file)
    {
        foreach (var line in File.ReadLines(file))
        {
            if (line.StartsWith("#fields\t", StringComparison.Ordinal))
                return line["#fields\t".Length..].Split('\t');
            if (!line.StartsWith('#'))
                break;
        }
        throw new InvalidDataException($"{file} has no #fields line before its first record");
    }

    public static string Source(string file)
    {
        var columns = FieldNames(file).Select(name => $"'{name.Replace("'", "''", StringComparison.Ordinal)}': '{TypeOf(name)}'");
        return $"read_csv('{file.Replace("'", "''", StringComparison.Ordinal)}', header = false, auto_detect = false, "
            + $"delim = '\\t', quote = '', escape = '', comment = '#', nullstr = '-', columns = {{{string.Join(", ", columns)}}})";
    }

    private static string TypeOf(string field) => field switch
    {
        "ts" => "DECIMAL(18,6)",
        "id.orig_p" or "id.resp_p" => "INTEGER",
        "orig_bytes" or "resp_bytes" => "BIGINT",
        _ => "VARCHAR",
    };

    /// <summary>RemoteIPType == "Public" for a dotted-quad IPv4 address (see the class remarks for IPv6).</summary>
    public static string IsPublic(string h) => $"""
        (NOT contains({h}, ':') AND NOT (
               starts_with({h}, '10.') OR starts_with({h}, '127.') OR starts_with({h}, '0.')
            OR starts_with({h}, '192.168.') OR starts_with({h}, '169.254.')
            OR (starts_with({h}, '172.') AND CAST(split_part({h}, '.', 2) AS INTEGER) BETWEEN 16 AND 31)
            OR (starts_with({h}, '100.') AND CAST(split_part({h}, '.', 2) AS INTEGER) BETWEEN 64 AND 127)
            OR CAST(split_part({h}, '.', 1) AS INTEGER) >= 224
            OR starts_with({h}, '192.0.0.') OR starts_with({h}, '192.0.2.') OR starts_with({h}, '198.51.100.')
            OR starts_with({h}, '203.0.113.') OR starts_with({h}, '198.18.') OR starts_with({h}, '198.19.')))
        """;

    public static string Filter(long asOfTicks) => $"""
        ts > {Seconds(asOfTicks - TimeSpan.TicksPerDay)} AND ts <= {Seconds(asOfTicks)}
          AND "id.resp_p" IN (80, 443, 8080, 8443)
          AND {IsPublic("\"id.resp_h\"")}
          AND conn_state IN ('SF', 'S1', 'S2', 'S3', 'RSTO', 'RSTR')
        """;

    private const string GroupKeys = "\"id.orig_h\", \"id.resp_h\", \"id.resp_p\"";

    // ts is exact to the microsecond, so times become microsecond TIMESTAMPs without loss.
    // date_diff('second') counts second boundaries crossed, as Kusto's datetime_diff does; `//`
    // is the truncating long division of Duration / (count - 1). Sums of a group whose byte
    // counts are all unset stay NULL, as Cadence's do.
    public static string Rule(string file, long asOfTicks) => $"""
        SELECT LastSeen, DeviceName, InitiatingProcessFileName, RemoteIP, RemotePort, ConnectionCount, AvgInterval,
               BytesSent, BytesReceived,
               CASE WHEN BytesReceived > 0 THEN CAST(BytesSent AS DOUBLE) / CAST(BytesReceived AS DOUBLE) ELSE 999.0 END AS SentRecvRatio,
               CASE WHEN AvgInterval BETWEEN 55 AND 65 THEN 'high'
                    WHEN AvgInterval BETWEEN 295 AND 305 THEN 'high'
                    WHEN AvgInterval BETWEEN 895 AND 905 THEN 'high'
                    WHEN ConnectionCount > 100 AND AvgInterval < 120 THEN 'high'
                    ELSE 'medium' END AS BeaconConfidence
        FROM (
            SELECT *, CASE WHEN ConnectionCount > 1 THEN date_diff('second', FirstSeen, LastSeen) // (ConnectionCount - 1) ELSE 0 END AS AvgInterval
            FROM (
                SELECT "id.orig_h" AS DeviceName, '' AS InitiatingProcessFileName, "id.resp_h" AS RemoteIP, "id.resp_p" AS RemotePort,
                       count(*) AS ConnectionCount,
                       CAST(sum(orig_bytes) AS BIGINT) AS BytesSent,
                       CAST(sum(resp_bytes) AS BIGINT) AS BytesReceived,
                       make_timestamp(CAST(CAST(min(ts) AS DECIMAL(38,6)) * 1000000 AS BIGINT)) AS FirstSeen,
                       make_timestamp(CAST(CAST(max(ts) AS DECIMAL(38,6)) * 1000000 AS BIGINT)) AS LastSeen
                FROM {Source(file)}
                WHERE {Filter(asOfTicks)}
                GROUP BY {GroupKeys}
            )
        )
        WHERE ConnectionCount > 15 AND AvgInterval BETWEEN 1 AND 900
        ORDER BY ConnectionCount DESC
        """;

    /// <summary>How many (originator, responder, port) groups the rule aggregates, before its thresholds.</summary>
    public static string GroupCount(string file, long asOfTicks) =>
        $"SELECT count(*) FROM (SELECT 1 FROM {Source(file)} WHERE {Filter(asOfTicks)} GROUP BY {GroupKeys})";

    /// <summary>How many distinct (originator, responder, port) keys the whole file holds, unfiltered.</summary>
    public static string KeyCount(string file) =>
        $"SELECT count(*) FROM (SELECT 1 FROM {Source(file)} GROUP BY {GroupKeys})";

    /// <summary>Ticks as epoch seconds with 7 decimals: a DECIMAL literal, exact.</summary>
    private static string Seconds(long ticks)
    {
        var since = ticks - DateTime.UnixEpoch.Ticks;
        return string.Create(CultureInfo.InvariantCulture, $"{since / TimeSpan.TicksPerSecond}.{since % TimeSpan.TicksPerSecond:D7}");
    }

    /// <summary>Record count and latest ts, read independently of both tools under test (exact decimal parse of ts).</summary>
    public static (long Rows, long LatestTicks) Scan(string file)
    {
        var tsColumn = Array.IndexOf(FieldNames(file), "ts");
        if (tsColumn < 0)
            throw new UsageException($"{file} has no ts field");
        long rows = 0, latest = 0;
        using var reader = new StreamReader(file, Encoding.UTF8, false, 1 << 20);
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            if (line.Length == 0 || line[0] == '#')
                continue;
            rows++;
            var span = line.AsSpan();
            for (var i = 0; i < tsColumn; i++)
                span = span[(span.IndexOf('\t') + 1)..];
            var end = span.IndexOf('\t');
            if (TryParseTicks(end < 0 ? span : span[..end], out var ticks) && ticks > latest)
                latest = ticks;
        }
        if (latest == 0)
            throw new UsageException($"{file} has no parseable ts; pass --as-of");
        return (rows, latest);
    }

    private static bool TryParseTicks(ReadOnlySpan<char> text, out long ticks)
    {
        ticks = 0;
        var dot = text.IndexOf('.');
        var whole = dot < 0 ? text : text[..dot];
        var fraction = dot < 0 ? [] : text[(dot + 1)..];
        if (fraction.Length > 7 || !long.TryParse(whole, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            return false;
        long fractionTicks = 0;
        for (var i = 0; i < 7; i++)
        {
            var digit = i < fraction.Length ? fraction[i] - '0' : 0;
            if (digit is < 0 or > 9)
                return false;
            fractionTicks = fractionTicks * 10 + digit;
        }
        ticks = DateTime.UnixEpoch.Ticks + seconds * TimeSpan.TicksPerSecond + fractionTicks;
        return true;
    }
}
