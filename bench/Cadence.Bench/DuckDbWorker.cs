using System.Globalization;
using System.Text;
using DuckDB.NET.Data;

namespace Cadence.Bench;

/// <summary>
/// The hidden <c>duckdb-worker</c> verb: the seed rule as DuckDB SQL over the same file (a Defender
/// CSV export or a Zeek conn.log), run in its
/// own process so its wall time, CPU time and peak memory are measured exactly like Cadence's.
/// </summary>
internal static class DuckDbWorker
{
    public const string Usage = "duckdb-worker FILE AS-OF [--output FILE] [--threads N]";

    public static int Run(Arguments args)
    {
        var output = args.Text("output") ?? "/dev/null";
        var threads = args.Text("threads") is null ? (int?)null : (int)args.Integer("threads", 0, 1, 4096);
        args.RejectUnknown();
        if (args.Positionals.Count != 2)
            throw new UsageException("duckdb-worker takes FILE and AS-OF");
        var file = args.Positionals[0];
        var asOf = IsoTime.ParseTicks(args.Positionals[1]);

        using var connection = Open(threads);
        using var command = connection.CreateCommand();
        // The input kind is told from the content, as Cadence tells it.
        command.CommandText = ZeekRuleSql.IsZeek(file) ? ZeekRuleSql.Rule(file, asOf) : BeaconRuleSql.Rule(file, asOf);
        using var reader = command.ExecuteReader();
        using var writer = new StreamWriter(output, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16);

        var names = new string[reader.FieldCount];
        for (var i = 0; i < names.Length; i++)
            names[i] = reader.GetName(i);
        writer.Write(string.Join(',', names));
        writer.Write('\n');
        while (reader.Read())
        {
            for (var i = 0; i < names.Length; i++)
            {
                if (i > 0)
                    writer.Write(',');
                if (!reader.IsDBNull(i))
                    writer.Write(Format(reader.GetValue(i)));
            }
            writer.Write('\n');
        }
        return 0;
    }

    /// <summary>An in-memory database; DuckDB's default thread count is every core.</summary>
    public static DuckDBConnection Open(int? threads = null)
    {
        var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        if (threads is { } count)
            Execute(connection, $"SET threads = {count.ToString(CultureInfo.InvariantCulture)}");
        return connection;
    }

    public static object? Scalar(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    // Timestamps in Cadence's own output form, so the two result files read alike.
    private static string Format(object value) => value switch
    {
        DateTime time => IsoTime.Format(time.Ticks),
        string text => Csv.Escape(text),
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => Csv.Escape(value.ToString() ?? ""),
    };
}

/// <summary>The seed KQL rule, translated to DuckDB SQL clause by clause.</summary>
/// <remarks>
/// Timestamp is read as TIMESTAMP_NS so Defender's 100 ns fractions survive (TIMESTAMP would
/// truncate to microseconds). The window bounds are computed here rather than as
/// <c>asOf - INTERVAL 24 HOUR</c>, because DuckDB returns TIMESTAMP_NS minus an interval as a
/// microsecond TIMESTAMP, which would move the lower bound by up to 999 ns.
/// </remarks>
internal static class BeaconRuleSql
{
    /// <summary>
    /// The CSV as a table, with the schema taken from its header: the rule's typed columns typed,
    /// every other column VARCHAR.
    /// </summary>
    /// <remarks>
    /// Giving DuckDB the schema instead of letting it sniff one is DuckDB at its best: on the 1M-row
    /// file a bare count(*) took 390 to 490 ms with sniffing and 270 ms without.
    /// </remarks>
    public static string Source(string file)
    {
        string header;
        using (var reader = new StreamReader(file))
            header = reader.ReadLine() ?? throw new InvalidDataException($"{file} is empty");
        var columns = header.Split(',').Select(name => name.Trim().Trim('"')).Select(name => name switch
        {
            "Timestamp" => $"'{name}': 'TIMESTAMP_NS'",
            "RemotePort" => $"'{name}': 'INTEGER'",
            _ => $"'{name.Replace("'", "''", StringComparison.Ordinal)}': 'VARCHAR'",
        });
        return $"read_csv('{file.Replace("'", "''", StringComparison.Ordinal)}', header = true, auto_detect = false, "
            + $"delim = ',', quote = '\"', escape = '\"', columns = {{{string.Join(", ", columns)}}})";
    }

    public static string Filter(long asOfTicks) =>
        $"""
        Timestamp > TIMESTAMP_NS '{Literal(asOfTicks - TimeSpan.TicksPerDay)}'
          AND Timestamp <= TIMESTAMP_NS '{Literal(asOfTicks)}'
          AND RemotePort IN (80, 443, 8080, 8443)
          AND RemoteIPType = 'Public'
          AND ActionType = 'ConnectionSuccess'
        """;

    private const string GroupKeys = "DeviceName, InitiatingProcessFileName, RemoteIP, RemotePort";

    // datetime_diff('second') counts second boundaries crossed, and so does DuckDB's date_diff.
    // `//` is integer division, the truncating long division of Kusto's Duration / (count - 1).
    // DeviceNetworkEvents has no byte columns: BytesSent, BytesReceived and SentRecvRatio are
    // NULL (unknown), never 0 or 999.
    public static string Rule(string file, long asOfTicks) => $"""
        SELECT LastSeen, DeviceName, InitiatingProcessFileName, RemoteIP, RemotePort, ConnectionCount, AvgInterval,
               CAST(NULL AS BIGINT) AS BytesSent, CAST(NULL AS BIGINT) AS BytesReceived, CAST(NULL AS DOUBLE) AS SentRecvRatio,
               CASE WHEN AvgInterval BETWEEN 55 AND 65 THEN 'high'
                    WHEN AvgInterval BETWEEN 295 AND 305 THEN 'high'
                    WHEN AvgInterval BETWEEN 895 AND 905 THEN 'high'
                    WHEN ConnectionCount > 100 AND AvgInterval < 120 THEN 'high'
                    ELSE 'medium' END AS BeaconConfidence
        FROM (
            SELECT *, CASE WHEN ConnectionCount > 1 THEN Duration // (ConnectionCount - 1) ELSE 0 END AS AvgInterval
            FROM (
                SELECT {GroupKeys},
                       count(*) AS ConnectionCount,
                       count(DISTINCT RemoteUrl) AS UniqueURLs,
                       min(Timestamp) AS FirstSeen,
                       max(Timestamp) AS LastSeen,
                       date_diff('second', min(Timestamp), max(Timestamp)) AS Duration
                FROM {Source(file)}
                WHERE {Filter(asOfTicks)}
                GROUP BY {GroupKeys}
            )
        )
        WHERE ConnectionCount > 15 AND AvgInterval BETWEEN 1 AND 900
        ORDER BY ConnectionCount DESC
        """;

    /// <summary>How many (device, process, IP, port) groups the rule aggregates, before its thresholds.</summary>
    public static string GroupCount(string file, long asOfTicks) =>
        $"SELECT count(*) FROM (SELECT 1 FROM {Source(file)} WHERE {Filter(asOfTicks)} GROUP BY {GroupKeys})";

    /// <summary>How many distinct (device, process, IP, port) keys the whole file holds, unfiltered.</summary>
    public static string KeyCount(string file) =>
        $"SELECT count(*) FROM (SELECT 1 FROM {Source(file)} GROUP BY {GroupKeys})";

    private static string Literal(long ticks) =>
        new DateTime(ticks, DateTimeKind.Utc).ToString("yyyy-MM-dd HH:mm:ss.fffffff", CultureInfo.InvariantCulture);
}
