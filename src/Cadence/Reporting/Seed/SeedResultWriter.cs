using System.Globalization;
using System.Text.Json;
using Cadence.Analytics.Seed;
using Cadence.Telemetry;
using nietras.SeparatedValues;
using Spectre.Console;

namespace Cadence.Reporting.Seed;

/// <summary>Writes the seed rule's rows in every output format, with the KQL's projected columns in its order.</summary>
public static class SeedResultWriter
{
    /// <summary>The rule's <c>project</c>, in order: the CSV header, the JSON property order, the table columns.</summary>
    public static readonly IReadOnlyList<string> Columns =
    [
        "LastSeen", "DeviceName", "InitiatingProcessFileName", "RemoteIP", "RemotePort", "ConnectionCount",
        "AvgInterval", "BytesSent", "BytesReceived", "SentRecvRatio", "BeaconConfidence",
    ];

    public static void Write(OutputFormat format, IReadOnlyList<SeedResult> rows, TextWriter output, IAnsiConsole? tableConsole = null)
    {
        switch (format)
        {
            case OutputFormat.Csv: WriteCsv(rows, output); break;
            case OutputFormat.Json: WriteJson(rows, output, ndjson: false); break;
            case OutputFormat.Ndjson: WriteJson(rows, output, ndjson: true); break;
            default: WriteTable(rows, tableConsole ?? throw new ArgumentNullException(nameof(tableConsole))); break;
        }
    }

    public static void WriteCsv(IReadOnlyList<SeedResult> rows, TextWriter output)
    {
        // Sep quotes cells holding separators, quotes or line breaks (RFC 4180); Cadence adds the
        // formula-injection guard on the attacker-controlled text columns.
        using var writer = Sep.New(',').Writer(o => o with { Escape = true, WriteHeader = true }).To(output, leaveOpen: true);
        foreach (var r in rows)
        {
            using var row = writer.NewRow();
            row["LastSeen"].Set(IsoTimestamp.Format(r.LastSeenTicks));
            row["DeviceName"].Set(UntrustedText.ForCsvCell(r.DeviceName));
            row["InitiatingProcessFileName"].Set(UntrustedText.ForCsvCell(r.InitiatingProcessFileName));
            row["RemoteIP"].Set(UntrustedText.ForCsvCell(r.RemoteIP));
            row["RemotePort"].Format(r.RemotePort);
            row["ConnectionCount"].Format(r.ConnectionCount);
            row["AvgInterval"].Format(r.AvgInterval);
            row["BytesSent"].Set(Number(r.BytesSent));
            row["BytesReceived"].Set(Number(r.BytesReceived));
            row["SentRecvRatio"].Set(Real(r.SentRecvRatio));
            row["BeaconConfidence"].Set(r.BeaconConfidence);
        }
        if (rows.Count == 0)
            output.WriteLine(string.Join(',', Columns));
    }

    public static void WriteJson(IReadOnlyList<SeedResult> rows, TextWriter output, bool ndjson)
        => JsonRows.Write(rows, output, ndjson, WriteJsonRow);

    private static void WriteJsonRow(Utf8JsonWriter json, SeedResult r)
    {
        json.WriteStartObject();
        json.WriteString("LastSeen", IsoTimestamp.Format(r.LastSeenTicks));
        json.WriteString("DeviceName", r.DeviceName);
        json.WriteString("InitiatingProcessFileName", r.InitiatingProcessFileName);
        json.WriteString("RemoteIP", r.RemoteIP);
        json.WriteNumber("RemotePort", r.RemotePort);
        json.WriteNumber("ConnectionCount", r.ConnectionCount);
        json.WriteNumber("AvgInterval", r.AvgInterval);
        WriteNullable(json, "BytesSent", r.BytesSent);
        WriteNullable(json, "BytesReceived", r.BytesReceived);
        if (r.SentRecvRatio is { } ratio) json.WriteNumber("SentRecvRatio", ratio); else json.WriteNull("SentRecvRatio");
        json.WriteString("BeaconConfidence", r.BeaconConfidence);
        // Computed by the KQL but not projected; kept for whoever investigates the row.
        json.WriteString("FirstSeen", IsoTimestamp.Format(r.FirstSeenTicks));
        json.WriteNumber("Duration", r.DurationSeconds);
        json.WriteNumber("UniqueURLs", r.UniqueUrls);
        json.WriteEndObject();
    }

    public static void WriteTable(IReadOnlyList<SeedResult> rows, IAnsiConsole console)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in Columns)
        {
            var tableColumn = new TableColumn(column);
            if (column is "RemotePort" or "ConnectionCount" or "AvgInterval" or "BytesSent" or "BytesReceived" or "SentRecvRatio")
                tableColumn.RightAligned();
            table.AddColumn(tableColumn);
        }
        foreach (var r in rows)
        {
            // Text, never markup: a process named "[red]x" must print as itself.
            table.AddRow(
                Cell(IsoTimestamp.Format(r.LastSeenTicks)), Cell(r.DeviceName), Cell(r.InitiatingProcessFileName), Cell(r.RemoteIP),
                Cell(r.RemotePort.ToString(CultureInfo.InvariantCulture)), Cell(r.ConnectionCount.ToString(CultureInfo.InvariantCulture)),
                Cell(r.AvgInterval.ToString(CultureInfo.InvariantCulture)), Cell(Number(r.BytesSent)), Cell(Number(r.BytesReceived)),
                Cell(Real(r.SentRecvRatio)),
                new Text(r.BeaconConfidence, r.BeaconConfidence == "high" ? new Style(Color.Red) : new Style(Color.Yellow)));
        }
        if (rows.Count == 0)
            console.WriteLine("No beacon matched the seed rule.");
        else
        {
            console.Write(table);
            console.WriteLine();
        }
    }

    private static Text Cell(string value) => new(UntrustedText.ForTerminal(value));

    private static string Number(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? string.Empty;

    // Kusto prints reals in their shortest round-trip form (0.25, 999).
    private static string Real(double? value) => value?.ToString("R", CultureInfo.InvariantCulture) ?? string.Empty;

    private static void WriteNullable(Utf8JsonWriter json, string name, long? value)
    {
        if (value is { } v) json.WriteNumber(name, v); else json.WriteNull(name);
    }
}
