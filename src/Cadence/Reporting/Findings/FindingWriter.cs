using System.Globalization;
using System.Text.Json;
using Cadence.Scoring;
using Cadence.Telemetry;
using nietras.SeparatedValues;
using Spectre.Console;

namespace Cadence.Reporting.Findings;

/// <summary>Writes findings in every output format. The JSON property names are the contract SIEM ingestion relies on.</summary>
public static class FindingWriter
{
    public static readonly IReadOnlyList<string> CsvColumns =
    [
        "severity", "score", "analytic", "device", "process", "destination", "remoteIPs", "remotePorts", "connectionCount",
        "firstSeen", "lastSeen", "periodSeconds", "jitter", "bytesSent", "bytesReceived", "prevalenceDevices", "prevalence",
        "subScores", "reasons", "evidence", "suppressedBy",
    ];

    public static void Write(OutputFormat format, IReadOnlyList<Finding> findings, TextWriter output, IAnsiConsole? tableConsole = null)
    {
        switch (format)
        {
            case OutputFormat.Csv: WriteCsv(findings, output); break;
            case OutputFormat.Json: WriteJson(findings, output, ndjson: false); break;
            case OutputFormat.Ndjson: WriteJson(findings, output, ndjson: true); break;
            default: WriteTable(findings, tableConsole ?? throw new ArgumentNullException(nameof(tableConsole))); break;
        }
    }

    // Rows are formatted in chunks on every core and written in order: formatting a run's few
    // thousand findings (reasons joined, numbers and times formatted, cells escaped) was about
    // 15 ms on one thread at the very end of an all-analytics run on the 1M-row export (perf),
    // with the other core idle. A window of chunks at a time keeps memory bounded however many
    // findings a run writes.
    private const int CsvChunk = 256;

    public static void WriteCsv(IReadOnlyList<Finding> findings, TextWriter output)
    {
        if (findings.Count == 0)
        {
            output.WriteLine(string.Join(',', CsvColumns));
            return;
        }
        var chunks = (findings.Count + CsvChunk - 1) / CsvChunk;
        var window = new string[Math.Min(chunks, 4 * Environment.ProcessorCount)];
        for (var first = 0; first < chunks; first += window.Length)
        {
            var count = Math.Min(window.Length, chunks - first);
            var from = first;
            Parallel.For(0, count, i =>
            {
                var start = (from + i) * CsvChunk;
                window[i] = CsvRows(findings, start, Math.Min(findings.Count, start + CsvChunk), header: start == 0);
            });
            for (var i = 0; i < count; i++)
                output.Write(window[i]);
        }
    }

    /// <summary>Findings [<paramref name="start"/>, <paramref name="end"/>) as CSV rows, after the header when asked.</summary>
    private static string CsvRows(IReadOnlyList<Finding> findings, int start, int end, bool header)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var writer = Sep.New(',').Writer(o => o with { Escape = true, WriteHeader = header }).To(text, leaveOpen: true))
        {
            for (var i = start; i < end; i++)
                WriteCsvRow(writer, findings[i]);
        }
        return text.ToString();
    }

    internal static void WriteCsvRow(SepWriter writer, Finding f)
    {
        using var row = writer.NewRow();
        row["severity"].Set(SeverityName(f.Severity));
        row["score"].Set(Real(f.Score));
        row["analytic"].Set(f.Analytic);
        row["device"].Set(UntrustedText.ForCsvCell(f.Device));
        row["process"].Set(UntrustedText.ForCsvCell(f.Process));
        row["destination"].Set(UntrustedText.ForCsvCell(f.Destination));
        row["remoteIPs"].Set(UntrustedText.ForCsvCell(string.Join(' ', f.RemoteIPs)));
        row["remotePorts"].Set(string.Join(' ', f.RemotePorts.Select(p => p.ToString(CultureInfo.InvariantCulture))));
        row["connectionCount"].Format(f.ConnectionCount);
        row["firstSeen"].Set(IsoTimestamp.Format(f.FirstSeenTicks));
        row["lastSeen"].Set(IsoTimestamp.Format(f.LastSeenTicks));
        row["periodSeconds"].Set(Real(f.PeriodSeconds));
        row["jitter"].Set(Real(f.Jitter));
        row["bytesSent"].Set(f.BytesSent?.ToString(CultureInfo.InvariantCulture) ?? string.Empty);
        row["bytesReceived"].Set(f.BytesReceived?.ToString(CultureInfo.InvariantCulture) ?? string.Empty);
        row["prevalenceDevices"].Format(f.Prevalence.Devices);
        row["prevalence"].Set(Real(Math.Round(f.Prevalence.Share, 4)));
        row["subScores"].Set(string.Join(' ', f.SubScores.Select(kv => $"{kv.Key}={Real(kv.Value)}")));
        row["reasons"].Set(UntrustedText.ForCsvCell(string.Join("; ", f.Reasons)));
        row["evidence"].Set(UntrustedText.ForCsvCell(f.Evidence ?? string.Empty));
        row["suppressedBy"].Set(UntrustedText.ForCsvCell(f.SuppressedBy ?? string.Empty));
    }

    public static void WriteJson(IReadOnlyList<Finding> findings, TextWriter output, bool ndjson)
        => JsonRows.Write(findings, output, ndjson, WriteJsonFinding);

    private static void WriteJsonFinding(Utf8JsonWriter json, Finding f)
    {
        json.WriteStartObject();
        json.WriteString("device", f.Device);
        json.WriteString("process", f.Process);
        json.WriteString("destination", f.Destination);
        json.WriteStartArray("remoteIPs");
        foreach (var ip in f.RemoteIPs)
            json.WriteStringValue(ip);
        json.WriteEndArray();
        json.WriteStartArray("remotePorts");
        foreach (var port in f.RemotePorts)
            json.WriteNumberValue(port);
        json.WriteEndArray();
        json.WriteString("analytic", f.Analytic);
        json.WriteNumber("score", f.Score);
        json.WriteString("severity", SeverityName(f.Severity));
        json.WriteNumber("connectionCount", f.ConnectionCount);
        json.WriteString("firstSeen", IsoTimestamp.Format(f.FirstSeenTicks));
        json.WriteString("lastSeen", IsoTimestamp.Format(f.LastSeenTicks));
        WriteNumberOrNull(json, "periodSeconds", f.PeriodSeconds);
        WriteNumberOrNull(json, "jitter", f.Jitter);
        WriteNumberOrNull(json, "bytesSent", f.BytesSent);
        WriteNumberOrNull(json, "bytesReceived", f.BytesReceived);
        json.WriteNumber("prevalence", Math.Round(f.Prevalence.Share, 4));
        json.WriteNumber("prevalenceDevices", f.Prevalence.Devices);
        json.WriteNumber("fleetDevices", f.Prevalence.FleetDevices);
        json.WriteStartObject("subScores");
        foreach (var (name, value) in f.SubScores)
            WriteNumberOrNull(json, name, value);
        json.WriteEndObject();
        json.WriteStartArray("reasons");
        foreach (var reason in f.Reasons)
            json.WriteStringValue(reason);
        json.WriteEndArray();
        if (f.Evidence is not null)
            json.WriteString("evidence", f.Evidence);
        if (f.SuppressedBy is not null)
            json.WriteString("suppressedBy", f.SuppressedBy);
        json.WriteEndObject();
    }

    /// <summary>Grouped by severity, strongest first, each group by score.</summary>
    public static void WriteTable(IReadOnlyList<Finding> findings, IAnsiConsole console)
    {
        if (findings.Count == 0)
        {
            console.WriteLine("No findings at or above the minimum severity.");
            return;
        }
        foreach (var group in findings.GroupBy(f => f.Severity).OrderByDescending(g => g.Key))
        {
            // A heading line, not a Rule: redirected output has no width and a Rule would fill thousands of columns.
            console.Write(new Text($"{SeverityName(group.Key).ToUpperInvariant()} ({group.Count()})", SeverityStyle(group.Key)));
            console.WriteLine();
            var table = new Table().Border(TableBorder.Rounded);
            table.AddColumn("Score", c => c.RightAligned());
            table.AddColumn("Analytic");
            table.AddColumn("Device");
            table.AddColumn("Process");
            table.AddColumn("Destination");
            table.AddColumn("Conns", c => c.RightAligned());
            table.AddColumn("Period", c => c.RightAligned());
            table.AddColumn("Prevalence", c => c.RightAligned());
            table.AddColumn("Why");
            foreach (var f in group.OrderByDescending(f => f.Score))
            {
                table.AddRow(
                    Cell(f.Score.ToString("0.000", CultureInfo.InvariantCulture)), Cell(f.Analytic), Cell(f.Device), Cell(f.Process),
                    Cell(f.Destination), Cell(f.ConnectionCount.ToString("N0", CultureInfo.InvariantCulture)),
                    Cell(f.PeriodSeconds is { } p ? PeriodText(p) : string.Empty),
                    Cell($"{f.Prevalence.Devices}/{f.Prevalence.FleetDevices}"),
                    // Each reason made inert on its own, then one per line: the line breaks are Cadence's, not the data's.
                    new Text(string.Join("\n", f.Reasons.Select(UntrustedText.ForTerminal))));
            }
            console.Write(table);
        }
        console.WriteLine();
    }

    public static string SeverityName(Severity severity) => severity.ToString().ToLowerInvariant();

    private static Style SeverityStyle(Severity severity) => severity switch
    {
        Severity.Critical => new Style(Color.Red, decoration: Decoration.Bold),
        Severity.High => new Style(Color.Red),
        Severity.Medium => new Style(Color.Yellow),
        Severity.Low => new Style(Color.Blue),
        _ => Style.Plain,
    };

    private static string PeriodText(double seconds) => seconds switch
    {
        < 120 => string.Create(CultureInfo.InvariantCulture, $"{seconds:0.#} s"),
        < 7200 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 60:0.#} min"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600:0.#} h"),
    };

    // Text, never markup: a process named "[red]x" must print as itself.
    private static Text Cell(string value) => new(UntrustedText.ForTerminal(value));

    private static string Real(double? value) => value?.ToString("R", CultureInfo.InvariantCulture) ?? string.Empty;

    private static void WriteNumberOrNull(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v) json.WriteNumber(name, v); else json.WriteNull(name);
    }

    private static void WriteNumberOrNull(Utf8JsonWriter json, string name, long? value)
    {
        if (value is { } v) json.WriteNumber(name, v); else json.WriteNull(name);
    }
}
