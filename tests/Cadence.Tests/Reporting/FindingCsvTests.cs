using Cadence.Reporting.Findings;
using Cadence.Scoring;
using nietras.SeparatedValues;

namespace Cadence.Tests.Reporting;

/// <summary>The CSV writer formats rows in chunks on every core: what it writes must be one header and every finding once, in order.</summary>
public class FindingCsvTests
{
    private static Finding At(int i) => new()
    {
        Device = $"ws-{i:D5}",
        Process = i % 7 == 0 ? "=cmd|' /C calc'!A0" : "beacon.exe",
        Destination = $"d{i}.example",
        RemoteIPs = [$"198.51.100.{i % 250}"],
        RemotePorts = [443],
        Analytic = "beacon",
        Score = i / 10_000.0,
        Severity = (Severity)(i % 5),
        ConnectionCount = i,
        Reasons = [$"reason, with a comma {i}", "and \"quotes\""],
    };

    [Theory]
    [InlineData(1)]
    [InlineData(256)]
    [InlineData(257)]
    [InlineData(9_000)]
    public void Every_finding_is_written_once_in_order_after_one_header(int count)
    {
        var findings = Enumerable.Range(0, count).Select(At).ToList();
        using var text = new StringWriter();

        FindingWriter.WriteCsv(findings, text);

        using var reader = Sep.Reader(o => o with { Unescape = true }).FromText(text.ToString());
        Assert.Equal(FindingWriter.CsvColumns, reader.Header.ColNames);
        var i = 0;
        foreach (var row in reader)
        {
            Assert.Equal($"ws-{i:D5}", row["device"].ToString());
            Assert.Equal($"reason, with a comma {i}; and \"quotes\"", row["reasons"].ToString());
            Assert.Equal(i % 7 == 0 ? "'=cmd|' /C calc'!A0" : "beacon.exe", row["process"].ToString());
            i++;
        }
        Assert.Equal(count, i);
    }

    [Fact]
    public void No_findings_is_the_header_alone()
    {
        using var text = new StringWriter();
        FindingWriter.WriteCsv([], text);
        Assert.Equal(string.Join(',', FindingWriter.CsvColumns) + Environment.NewLine, text.ToString());
    }

    /// <summary>More than two windows of chunks whatever the core count, a ragged last chunk: byte for byte what one writer writes.</summary>
    [Fact]
    public void Chunked_output_is_what_one_writer_writes_across_windows()
    {
        var count = 256 * (4 * Environment.ProcessorCount * 2 + 1) + 17;
        var findings = Enumerable.Range(0, count).Select(At).ToList();
        using var chunked = new StringWriter();
        FindingWriter.WriteCsv(findings, chunked);

        using var serial = new StringWriter();
        using (var writer = Sep.New(',').Writer(o => o with { Escape = true, WriteHeader = true }).To(serial, leaveOpen: true))
        {
            foreach (var f in findings)
                FindingWriter.WriteCsvRow(writer, f);
        }

        Assert.Equal(serial.ToString(), chunked.ToString());
    }
}
