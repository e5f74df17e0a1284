using Cadence.Sources;
using Cadence.Sources.Internals;
using Cadence.Telemetry;

namespace Cadence.Tests.Sources;

public sealed class DefenderCsvFormatTests : IDisposable
{
    private readonly TempFiles _files = new();

    private const string Header =
        "Timestamp,DeviceId,DeviceName,ActionType,RemoteIP,RemotePort,RemoteUrl,LocalIP,LocalPort,Protocol,LocalIPType,RemoteIPType," +
        "InitiatingProcessFileName,InitiatingProcessId,InitiatingProcessCommandLine,ReportId,AdditionalFields";

    // A verbatim advanced-hunting row: trimmed fraction, doubled quotes, JSON in a cell.
    private const string SampleLine =
        "2023-12-21T17:33:44.663Z,4b3e1a2d9c8f7e6b5a4d3c2b1a0f9e8d7c6b5a4d,laptop-7.contoso.com,ConnectionSuccess,::ffff:172.64.149.247,443," +
        "https://sync.1rx.io,192.168.1.23,50412,Tcp,Private,Public,msedge.exe,10244," +
        "\"\"\"msedge.exe\"\" --type=utility --utility-sub-type=network.mojom.NetworkService --field-trial-handle=1,2\",12877," +
        "\"{\"\"direction\"\":\"\"Out\"\"}\"";

    private (List<NetworkEvent> Events, IngestLog Log) Read(string path, bool strict = false, int threads = 2)
    {
        var log = new IngestLog(strict);
        var reader = new TelemetryReader(new ReadContext(log, new StringPool()) { DegreeOfParallelism = threads });
        return (reader.Read([path]).ToList(), log);
    }

    [Fact]
    public void ReadsTheVerbatimSampleLine()
    {
        var (events, log) = Read(_files.Write("a.csv", Header + "\n" + SampleLine + "\n"));
        var e = Assert.Single(events);
        Assert.Equal(new DateTime(2023, 12, 21, 17, 33, 44, 663, DateTimeKind.Utc).Ticks, e.TimestampTicks);
        Assert.Equal("laptop-7.contoso.com", e.DeviceName);
        Assert.Equal("ConnectionSuccess", e.ActionType);
        Assert.Equal("::ffff:172.64.149.247", e.RemoteIP);
        Assert.Equal(443, e.RemotePort);
        Assert.Equal("Public", e.RemoteIPType);
        Assert.Equal("https://sync.1rx.io", e.RemoteUrl);
        Assert.Equal("msedge.exe", e.InitiatingProcessFileName);
        Assert.Null(e.SentBytes);
        Assert.Null(e.ReceivedBytes);
        Assert.Equal("192.168.1.23", e.LocalIP);
        Assert.Equal(50412, e.LocalPort);
        Assert.Equal("Tcp", e.Protocol);
        Assert.Equal(10244, e.ProcessId);
        Assert.Equal("\"msedge.exe\" --type=utility --utility-sub-type=network.mojom.NetworkService --field-trial-handle=1,2", e.ProcessCommandLine);
        Assert.Null(e.UserAgent);
        Assert.Equal(2, e.Provenance.Line);
        Assert.Equal(1, log.EventsRead);
        Assert.Equal("Defender DeviceNetworkEvents CSV", log.Inputs[0].Format);
        Assert.False(log.Inputs[0].Provides.HasFlag(TelemetryFields.SentBytes));
    }

    [Fact]
    public void InspectedRowsCarryTheirAdditionalFields()
    {
        const string header = "Timestamp,DeviceName,ActionType,RemoteIP,RemotePort,RemoteUrl,RemoteIPType,InitiatingProcessFileName,AdditionalFields";
        var csv = header + "\n" +
            // As advanced hunting exports it: JSON values are strings, quotes doubled inside the cell.
            "2024-03-26T09:39:50.768Z,ws-1,HttpConnectionInspected,203.0.113.9,80,,Public,," +
            "\"{\"\"direction\"\":\"\"Out\"\",\"\"host\"\":\"\"updates.example.org:80\"\",\"\"method\"\":\"\"GET\"\",\"\"uri\"\":\"\"/check?id=1\"\"," +
            "\"\"user_agent\"\":\"\"Mozilla/4.0 (compatible; MSIE 7.0)\"\",\"\"status_code\"\":\"\"200\"\",\"\"request_body_len\"\":\"\"0\"\"}\"\n" +
            "2024-03-26T09:40:50Z,ws-1,HttpConnectionInspected,203.0.113.9,8080,,Public,,\"{\"\"host\"\":\"\"c2.example\"\",\"\"uri\"\":\"\"/ws\"\",\"\"method\"\":\"\"GET\"\",\"\"status_code\"\":\"\"101\"\"}\"\n" +
            "2024-03-26T09:41:50Z,ws-1,SslConnectionInspected,203.0.113.9,443,,Public,,\"{\"\"server_name\"\":\"\"c2.example\"\",\"\"ja3\"\":\"\"72a589da586844d7f0818ce684948eea\"\",\"\"established\"\":\"\"true\"\"}\"\n" +
            "2024-03-26T10:00:00Z,ws-1,ConnectionSuccessAggregatedReport,203.0.113.9,443,,Public,svchost.exe,\"{\"\"uniqueEventsAggregated\"\":42}\"\n" +
            "2024-03-26T10:01:00Z,ws-1,HttpConnectionInspected,203.0.113.9,80,,Public,,\"{\"\"host\"\":\"\"broken\"\"\"\n" +
            "2024-03-26T10:02:00Z,ws-1,ConnectionSuccess,203.0.113.9,443,,Public,evil.exe,\"{not json but never read}\"\n";
        var (events, log) = Read(_files.Write("inspected.csv", csv));

        Assert.Equal(5, events.Count);
        // Inspected rows without a process come last, after the join (see the next test).
        events = [.. events.OrderBy(e => e.Provenance.Line)];
        var http = events[0];
        Assert.Equal("updates.example.org", http.DestinationHost);
        Assert.Equal("http://updates.example.org:80/check?id=1", http.RemoteUrl);
        Assert.Equal("GET", http.HttpMethod);
        Assert.Equal("Mozilla/4.0 (compatible; MSIE 7.0)", http.UserAgent);
        Assert.Equal(200, http.StatusCode);
        Assert.Null(http.WebSocketUpgrade);
        Assert.True(events[1].WebSocketUpgrade);
        Assert.Equal("c2.example", events[2].DestinationHost);
        Assert.Equal("72a589da586844d7f0818ce684948eea", events[2].Ja3);
        Assert.Null(events[2].Ja3s);
        Assert.Equal(42, events[3].AggregatedCount);
        Assert.Null(events[4].AggregatedCount);
        Assert.Equal(1, log.Inputs[0].RejectedByReason[RowReasons.BadJson]);
        Assert.Contains(log.Examples, p => p.Line == 6 && p.Reason == RowReasons.BadJson);
    }

    [Fact]
    public void JsonRowsMayCarryColumnsTheFirstRowLeftOut()
    {
        // NDJSON as pipelines write it: empty properties omitted, so the first row has no AdditionalFields.
        var ndjson =
            "{\"Timestamp\":\"2024-03-26T09:39:50Z\",\"DeviceName\":\"ws-1\",\"ActionType\":\"ConnectionSuccess\",\"RemoteIP\":\"203.0.113.9\",\"RemotePort\":443,\"RemoteIPType\":\"Public\",\"InitiatingProcessFileName\":\"p.exe\"}\n" +
            "{\"Timestamp\":\"2024-03-26T09:39:51Z\",\"DeviceName\":\"ws-1\",\"ActionType\":\"HttpConnectionInspected\",\"RemoteIP\":\"203.0.113.9\",\"RemotePort\":80,\"RemoteIPType\":\"Public\",\"InitiatingProcessFileName\":\"p.exe\",\"RemoteUrl\":\"http://c2.example/a\",\"AdditionalFields\":{\"host\":\"c2.example\",\"user_agent\":\"curl/7.88\"}}\n";
        var (events, _) = Read(_files.Write("rows.ndjson", ndjson));
        var inspected = events.Single(e => e.ActionType == "HttpConnectionInspected");
        Assert.Equal("curl/7.88", inspected.UserAgent);
        Assert.Equal("c2.example", inspected.DestinationHost);
        Assert.Equal("http://c2.example/a", inspected.RemoteUrl);
        // Kusto strings are never null: an omitted RemoteUrl reads as empty, as an empty CSV cell does.
        Assert.Equal(string.Empty, events.Single(e => e.ActionType == "ConnectionSuccess").RemoteUrl);
    }

    [Fact]
    public void InspectedJsonRowsTakeTheProcessOfTheirConnectionToo()
    {
        var ndjson =
            "{\"Timestamp\":\"2024-03-26T09:39:51Z\",\"DeviceName\":\"ws-1\",\"ActionType\":\"HttpConnectionInspected\",\"RemoteIP\":\"203.0.113.9\",\"RemotePort\":80,\"LocalPort\":50412,\"RemoteIPType\":\"Public\",\"InitiatingProcessFileName\":\"\",\"AdditionalFields\":{\"host\":\"c2.example\"}}\n" +
            "{\"Timestamp\":\"2024-03-26T09:39:50Z\",\"DeviceName\":\"ws-1\",\"ActionType\":\"ConnectionSuccess\",\"RemoteIP\":\"203.0.113.9\",\"RemotePort\":80,\"LocalPort\":50412,\"RemoteIPType\":\"Public\",\"InitiatingProcessFileName\":\"rundll32.exe\",\"AdditionalFields\":{}}\n";
        var (events, log) = Read(_files.Write("inspected.ndjson", ndjson));
        Assert.Equal(2, events.Count);
        Assert.Equal("rundll32.exe", events.Single(e => e.ActionType == "HttpConnectionInspected").InitiatingProcessFileName);
        Assert.Equal(2, log.EventsRead);
        Assert.Single(log.Inputs);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void InspectedRowsTakeTheProcessOfTheirConnection(bool gzip)
    {
        const string header = "Timestamp,DeviceName,ActionType,RemoteIP,RemotePort,LocalIP,LocalPort,RemoteIPType,InitiatingProcessFileName,InitiatingProcessId,AdditionalFields";
        var csv = header + "\n" +
            // Newest first, as advanced hunting exports: the inspection comes before its connection.
            "2024-03-26T09:39:51Z,ws-1,HttpConnectionInspected,203.0.113.9,80,10.0.0.5,50412,Public,,,\"{\"\"host\"\":\"\"c2.example\"\",\"\"user_agent\"\":\"\"Mozilla/5.0\"\"}\"\n" +
            "2024-03-26T09:39:50Z,ws-1,ConnectionSuccess,203.0.113.9,80,10.0.0.5,50412,Public,rundll32.exe,4412,{}\n" +
            "2024-03-26T09:39:49Z,ws-1,ConnectionSuccess,203.0.113.9,80,10.0.0.5,50999,Public,chrome.exe,3300,{}\n" +
            "2024-03-26T09:30:00Z,ws-1,HttpConnectionInspected,203.0.113.9,80,10.0.0.5,61000,Public,,,\"{\"\"host\"\":\"\"c2.example\"\"}\"\n";
        var (events, log) = Read(_files.Write(gzip ? "inspected.csv.gz" : "inspected.csv", csv, gzip: gzip));

        Assert.Equal(4, events.Count);
        var joined = events.Single(e => e.Provenance.Line == 2);
        Assert.Equal("rundll32.exe", joined.InitiatingProcessFileName);
        Assert.Equal(4412, joined.ProcessId);
        Assert.Equal("Mozilla/5.0", joined.UserAgent);
        Assert.Equal(string.Empty, events.Single(e => e.Provenance.Line == 5).InitiatingProcessFileName);
        Assert.Equal(1, log.Inputs[0].Notes["inspected rows given the process of their connection"]);
        Assert.Equal(1, log.Inputs[0].Notes["inspected rows whose connection row was not found (process left empty)"]);
        Assert.Equal(4, log.EventsRead);
    }

    [Theory]
    [InlineData(false, "\n")]
    [InlineData(true, "\n")]
    [InlineData(false, "\r\n")]
    [InlineData(true, "\r\n")]
    public void BomAndLineEndingsMakeNoDifference(bool bom, string newline)
    {
        var (events, log) = Read(_files.Write("a.csv", Header + newline + SampleLine + newline + SampleLine, bom));
        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Equal("laptop-7.contoso.com", e.DeviceName));
        Assert.Equal(0, log.RowsRejected);
    }

    [Fact]
    public void ColumnsInAnyOrderWithExtrasIgnored()
    {
        var csv = "Extra,RemotePort,InitiatingProcessFileName,RemoteIPType,RemoteIP,ActionType,DeviceName,TimeGenerated,Timestamp\n" +
                  "x,8443,curl.exe,Public,198.51.100.9,ConnectionSuccess,host-1,2024-01-01T00:00:00Z,2024-01-02T03:04:05.1234567Z\n";
        var e = Assert.Single(Read(_files.Write("a.csv", csv)).Events);
        Assert.Equal(8443, e.RemotePort);
        Assert.Equal("curl.exe", e.InitiatingProcessFileName);
        // Timestamp wins over Sentinel's TimeGenerated when both exist.
        Assert.Equal(new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc).Ticks + 1_234_567, e.TimestampTicks);
        Assert.Null(e.RemoteUrl);
    }

    [Fact]
    public void QuotedFieldsMayHoldCommasQuotesAndLineBreaks()
    {
        var csv = "Timestamp,DeviceName,ActionType,RemoteIP,RemotePort,RemoteIPType,InitiatingProcessFileName,RemoteUrl\n" +
                  "2024-01-01T00:00:00Z,\"host, with comma\",ConnectionSuccess,198.51.100.9,443,Public,\"a \"\"quoted\"\" name.exe\",\"http://x/\na\"\n" +
                  "2024-01-01T00:00:01Z,host-2,ConnectionSuccess,198.51.100.9,443,Public,p.exe,\n";
        var (events, log) = Read(_files.Write("a.csv", csv));
        Assert.Equal(2, events.Count);
        Assert.Equal("host, with comma", events[0].DeviceName);
        Assert.Equal("a \"quoted\" name.exe", events[0].InitiatingProcessFileName);
        Assert.Equal("http://x/\na", events[0].RemoteUrl);
        Assert.Equal(4, events[1].Provenance.Line);
        Assert.Equal(0, log.RowsRejected);
    }

    [Fact]
    public void UnionExportsSkipRowsOfOtherTablesAndReadTypeClashColumns()
    {
        var csv = "Timestamp,DeviceName,ActionType,RemoteIP,RemotePort_long,RemotePort_string,RemoteIPType,InitiatingProcessFileName,FileName,ReportId_long,ReportId_string\n" +
                  "2024-01-01T00:00:00Z,h,ConnectionSuccess,198.51.100.9,443,,Public,p.exe,,1,\n" +
                  "2024-01-01T00:00:01Z,h,FileCreated,,,,,explorer.exe,evil.dll,,abc\n" +
                  "2024-01-01T00:00:02Z,h,ConnectionSuccess,198.51.100.9,,8080,Public,p.exe,,,x\n" +
                  "2024-01-01T00:00:03Z,h,ProcessCreated,,,,,cmd.exe,,,y\n" +
                  "2024-01-01T00:00:04Z,h,ListeningConnectionCreated,,,,,svchost.exe,,,z\n";
        var (events, log) = Read(_files.Write("union.csv", csv));
        Assert.Equal([443, 8080], events.Select(e => e.RemotePort));
        Assert.Equal(3, log.RowsSkipped);
        Assert.Equal(0, log.RowsRejected);
        Assert.Equal(2, log.Inputs[0].SkippedByReason[RowReasons.OtherTable]);
        Assert.Equal(1, log.Inputs[0].SkippedByReason[RowReasons.NoRemoteEndpoint]);
        Assert.Contains(log.Examples, p => p.Line == 3 && p.Detail.Contains("FileCreated", StringComparison.Ordinal));
    }

    [Fact]
    public void ByteColumnsAreReadWhenPresentAndAbsentWhenEmpty()
    {
        var csv = "Timestamp,DeviceName,ActionType,RemoteIP,RemotePort,RemoteIPType,InitiatingProcessFileName,SentBytes,ReceivedBytes\n" +
                  "2024-01-01T00:00:00Z,h,ConnectionSuccess,198.51.100.9,443,Public,p.exe,120,4096\n" +
                  "2024-01-01T00:00:01Z,h,ConnectionSuccess,198.51.100.9,443,Public,p.exe,,\n";
        var (events, log) = Read(_files.Write("bytes.csv", csv));
        Assert.Equal(120, events[0].SentBytes);
        Assert.Equal(4096, events[0].ReceivedBytes);
        Assert.Null(events[1].SentBytes);
        Assert.Null(events[1].ReceivedBytes);
        Assert.True(log.Inputs[0].Provides.HasFlag(TelemetryFields.SentBytes | TelemetryFields.ReceivedBytes));
    }

    [Fact]
    public void MalformedRowsAreCountedWithTheirLinesAndReadingGoesOn()
    {
        var csv = "Timestamp,DeviceName,ActionType,RemoteIP,RemotePort,RemoteIPType,InitiatingProcessFileName,SentBytes\n" +
                  "2024-01-01T00:00:00Z,h,ConnectionSuccess,198.51.100.9,443,Public,p.exe,1\n" +      // 2 ok
                  "2024-01-01T00:00:01Z,h,ConnectionSuccess,198.51.100.9,443,Public\n" +               // 3 too few columns
                  "not a time,h,ConnectionSuccess,198.51.100.9,443,Public,p.exe,1\n" +                  // 4 timestamp
                  "2024-01-01T00:00:03Z,h,ConnectionSuccess,198.51.100.9,https,Public,p.exe,1\n" +      // 5 port
                  "2024-01-01T00:00:04Z,h,ConnectionSuccess,198.51.100.9,70000,Public,p.exe,1\n" +      // 6 port out of range
                  "2024-01-01T00:00:05Z,h,ConnectionSuccess,198.51.100.9,443,Public,p.exe,lots\n" +     // 7 bytes
                  "2024-01-01T00:00:06Z,h,ConnectionSuccess,198.51.100.9,443,Public,p.exe,1,extra\n" +  // 8 too many
                  "\n" +                                                                                 // 9 blank
                  "2024-01-01T00:00:08Z,h,ConnectionSuccess,198.51.100.9,443,Public,p.exe,1";           // 10 ok, no final newline
        var (events, log) = Read(_files.Write("bad.csv", csv));
        Assert.Equal([2L, 10L], events.Select(e => e.Provenance.Line));
        var input = log.Inputs[0];
        Assert.Equal(2, input.RejectedByReason[RowReasons.WrongColumnCount]);
        Assert.Equal(1, input.RejectedByReason[RowReasons.BadTimestamp]);
        Assert.Equal(2, input.RejectedByReason[RowReasons.BadPort]);
        Assert.Equal(1, input.RejectedByReason[RowReasons.BadByteCount]);
        Assert.Equal(1, input.SkippedByReason[RowReasons.BlankLine]);
        Assert.Equal(6, log.RowsRejected);
        Assert.Equal([3L, 4L, 5L, 6L, 7L, 8L], log.Examples.Where(p => p.Disposition == RowDisposition.Rejected).Select(p => p.Line).Order());
        Assert.Equal(2 + 6 + 1, log.EventsRead + log.RowsRejected + log.RowsSkipped);
    }

    [Fact]
    public void AnUnterminatedQuoteIsNamedAsTheLikelyCause()
    {
        var rows = string.Join("\n", Enumerable.Repeat(SampleLine, 50));
        var csv = Header + "\n" + SampleLine + "\n" + SampleLine.Replace(",Tcp,", ",\"Tcp,", StringComparison.Ordinal) + "\n" + rows + "\n";
        var (events, log) = Read(_files.Write("stray.csv", csv));
        Assert.Single(events);
        var problem = Assert.Single(log.Examples);
        Assert.Equal(3, problem.Line);
        Assert.Matches(@"the row spans \d+ lines from here: an unterminated quote\?", problem.Detail);
    }

    [Fact]
    public void StrictModeStopsAtTheFirstMalformedRowWithFileAndLine()
    {
        var csv = Header + "\n" + SampleLine + "\n" + "2024-01-01T00:00:01Z,h,ConnectionSuccess\n" + SampleLine + "\n";
        var path = _files.Write("strict.csv", csv);
        var ex = Assert.Throws<MalformedInputException>(() => Read(path, strict: true));
        Assert.Equal(3, ex.Problem.Line);
        Assert.StartsWith($"{path}:3: {RowReasons.WrongColumnCount}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GzipIsReadTransparentlyWhateverTheFileIsCalled()
    {
        var (events, _) = Read(_files.Write("export.txt", Header + "\n" + SampleLine + "\n", gzip: true));
        Assert.Single(events);
    }

    [Fact]
    public void DirectoriesAreWalkedInOrder()
    {
        _files.Write("d/b.csv", Header + "\n" + SampleLine.Replace("laptop-7", "b-host", StringComparison.Ordinal) + "\n");
        _files.Write("d/sub/a.csv.gz", Header + "\n" + SampleLine.Replace("laptop-7", "a-host", StringComparison.Ordinal) + "\n", gzip: true);
        var (events, log) = Read(Path.Combine(_files.Root, "d"));
        Assert.Equal(["b-host.contoso.com", "a-host.contoso.com"], events.Select(e => e.DeviceName));
        Assert.Equal(2, log.Inputs.Count);
    }

    [Fact]
    public void AFileInNoKnownFormatGetsOneClearError()
    {
        var path = _files.Write("notes.csv", "name,colour\napple,red\n");
        var ex = Assert.Throws<UnreadableInputException>(() => Read(path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("Defender DeviceNetworkEvents CSV", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingPathIsAnError()
    {
        var path = Path.Combine(_files.Root, "nope.csv");
        var ex = Assert.Throws<UnreadableInputException>(() => Read(path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void ParallelRangesGiveTheSameEventsLinesAndAccountAsOneThread(int threads)
    {
        // 50,000 rows (about 16 MB, enough to be split), some with quoted line breaks and
        // doubled quotes so a cut inside a quoted field would show, and some malformed.
        var random = new Random(3);
        var lines = new List<string> { Header };
        for (var i = 0; i < 50_000; i++)
        {
            var row = SampleLine.Replace("44.663Z", $"{i % 60:00}.{random.Next(1000):000}Z", StringComparison.Ordinal)
                .Replace("laptop-7", $"host-{i % 300}", StringComparison.Ordinal);
            if (i % 13 == 0)
                row = row.Replace("--field-trial-handle=1,2", "--x=\"\"a\nb\"\"\n,\"\"", StringComparison.Ordinal);
            lines.Add(i % 997 == 0 ? "garbage,row" : row);
        }
        var path = _files.Write("big.csv", string.Join("\n", lines) + "\n");

        var (sequential, logS) = Read(path, threads: 1);
        var logP = new IngestLog();
        var sink = new CollectingSink();
        using (var pool = new StringPool())
            new TelemetryReader(new ReadContext(logP, pool) { DegreeOfParallelism = threads }).ReadInto([path], sink);

        var parallel = sink.Events.OrderBy(e => e.Provenance.Line).ToList();
        Assert.Equal(sequential.Select(e => (e.Provenance.Line, e.TimestampTicks, e.DeviceName)), parallel.Select(e => (e.Provenance.Line, e.TimestampTicks, e.DeviceName)));
        Assert.Equal(logS.EventsRead, logP.EventsRead);
        Assert.Equal(51, logP.RowsRejected);
        Assert.Equal(logS.LatestEventTicks, logP.LatestEventTicks);
        Assert.Equal(logS.Examples.Select(p => p.Line), logP.Examples.Select(p => p.Line));
        // Each quoted row spans two lines, so line numbers past the first such row prove the count across cuts.
        Assert.Equal(50_000 - 51, parallel.Count);
    }

    [Theory]
    [InlineData("\"\"\"msedge.exe\"\" --a\rb\"")]
    [InlineData("msedge.exe --a\rgarbage")]
    public void ALoneCarriageReturnPastTheFirstRangesGivesTheSameEventsLinesAndAccountAsOneThread(string commandLine)
    {
        // About 16 MB, split into many ranges; one row past the middle holds a carriage return
        // alone (in a quoted field, or ending a line there, which makes a malformed row). The
        // ranges before it are read on both threads, the rest in order: every row once, each
        // on the line the one-thread reader gives it, with the same account.
        var lines = new List<string> { Header };
        for (var i = 0; i < 50_000; i++)
        {
            var row = SampleLine.Replace("44.663Z", $"{i % 60:00}.{i % 1000:000}Z", StringComparison.Ordinal)
                .Replace("laptop-7", $"host-{i % 300}", StringComparison.Ordinal);
            if (i % 17 == 0)
                row = row.Replace("--field-trial-handle=1,2", "--x=\"\"a\nb\"\"", StringComparison.Ordinal);
            if (i == 31_000)
                row = row.Replace("\"\"\"msedge.exe\"\" --type=utility --utility-sub-type=network.mojom.NetworkService --field-trial-handle=1,2\"", commandLine, StringComparison.Ordinal);
            lines.Add(i % 997 == 0 ? "garbage,row" : row);
        }
        var path = _files.Write("late-cr.csv", string.Join("\n", lines) + "\n");
        Assert.Equal(1, File.ReadAllBytes(path).Count(b => b == (byte)'\r'));

        var (sequential, logS) = Read(path, threads: 1);
        var logP = new IngestLog();
        var sink = new CollectingSink();
        using (var pool = new StringPool())
            new TelemetryReader(new ReadContext(logP, pool) { DegreeOfParallelism = 2 }).ReadInto([path], sink);

        var parallel = sink.Events.OrderBy(e => e.Provenance.Line).ToList();
        Assert.Equal(sequential.Select(e => (e.Provenance.Line, e.TimestampTicks, e.DeviceName, e.ProcessCommandLine)),
            parallel.Select(e => (e.Provenance.Line, e.TimestampTicks, e.DeviceName, e.ProcessCommandLine)));
        Assert.Equal(logS.EventsRead, logP.EventsRead);
        Assert.Equal(logS.RowsRejected, logP.RowsRejected);
        Assert.Equal(logS.Examples.Select(p => (p.Line, p.Reason)), logP.Examples.Select(p => (p.Line, p.Reason)));
        Assert.True(parallel.Count > 49_000);
    }

    [Fact]
    public void ALargeFileWithCarriageReturnLineEndsLosesNoRowOnTwoThreads()
    {
        // Over 4 MB (so it would be split) with old Mac line ends: the split declines, the
        // ordered reader reads every row.
        var lines = Enumerable.Range(0, 15_000).Select(i => SampleLine.Replace("laptop-7", $"host-{i % 300}", StringComparison.Ordinal));
        var path = _files.Write("cr-only.csv", Header + "\r" + string.Join("\r", lines) + "\r");
        Assert.True(new FileInfo(path).Length > 4 << 20);

        var log = new IngestLog();
        var sink = new CollectingSink();
        using (var pool = new StringPool())
            new TelemetryReader(new ReadContext(log, pool) { DegreeOfParallelism = 2 }).ReadInto([path], sink);

        Assert.Equal(15_000, log.EventsRead);
        Assert.Equal(15_000, sink.Events.Count());
        Assert.Equal(0, log.RowsRejected);
    }

    private sealed class CollectingSink : IEventSink
    {
        private readonly System.Collections.Concurrent.ConcurrentBag<NetworkEvent> _events = [];

        public IEnumerable<NetworkEvent> Events => _events;

        public void Accept(in NetworkEvent e) => _events.Add(e);
    }

    public void Dispose() => _files.Dispose();
}
