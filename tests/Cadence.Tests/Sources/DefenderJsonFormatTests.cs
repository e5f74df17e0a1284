using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cadence.Sources;
using Cadence.Sources.Defender;
using Cadence.Sources.Internals;
using Cadence.Telemetry;

namespace Cadence.Tests.Sources;

public sealed class DefenderJsonFormatTests : IDisposable
{
    private const string FormatName = "Defender DeviceNetworkEvents JSON (Graph runHuntingQuery response, array of rows, NDJSON)";

    // One DeviceNetworkEvents row as runHuntingQuery returns it: typed numbers, a boolean, a null,
    // AdditionalFields as a JSON string, a command line with escaped quotes.
    private const string SampleRow =
        """{"Timestamp":"2024-03-26T09:39:50.7688641Z","DeviceId":"4b3e1a2d9c8f7e6b5a4d3c2b1a0f9e8d7c6b5a4d","DeviceName":"laptop-7.contoso.com","ActionType":"ConnectionSuccess","RemoteIP":"::ffff:172.64.149.247","RemotePort":443,"RemoteUrl":"https://sync.1rx.io","LocalIP":"192.168.1.23","LocalPort":50412,"Protocol":"Tcp","LocalIPType":"Private","RemoteIPType":"Public","InitiatingProcessFileName":"msedge.exe","InitiatingProcessId":10244,"InitiatingProcessCommandLine":"\"msedge.exe\" --type=utility","ReportId":12877,"AdditionalFields":"{\"direction\":\"Out\"}","IsInitiatingProcessRemoteSession":false,"InitiatingProcessRemoteSessionIP":null}""";

    private const string Schema =
        """[{"name":"Timestamp","type":"DateTime"},{"name":"DeviceId","type":"String"},{"name":"DeviceName","type":"String"},{"name":"ActionType","type":"String"},{"name":"RemoteIP","type":"String"},{"name":"RemotePort","type":"Int32"},{"name":"RemoteUrl","type":"String"},{"name":"LocalIP","type":"String"},{"name":"LocalPort","type":"Int32"},{"name":"Protocol","type":"String"},{"name":"LocalIPType","type":"String"},{"name":"RemoteIPType","type":"String"},{"name":"InitiatingProcessFileName","type":"String"},{"name":"InitiatingProcessId","type":"Int64"},{"name":"InitiatingProcessCommandLine","type":"String"},{"name":"ReportId","type":"Int64"},{"name":"AdditionalFields","type":"String"},{"name":"IsInitiatingProcessRemoteSession","type":"Boolean"},{"name":"InitiatingProcessRemoteSessionIP","type":"String"}]""";

    private static readonly long SampleTicks = new DateTime(2024, 3, 26, 9, 39, 50, DateTimeKind.Utc).Ticks + 7_688_641;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, NewLine = "\n" };

    private readonly TempFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static (List<NetworkEvent> Events, IngestLog Log) Read(string path, bool strict = false, int? maxRowBytes = null)
    {
        var log = new IngestLog(strict);
        var context = new ReadContext(log, new StringPool());
        var reader = maxRowBytes is { } max
            ? new TelemetryReader(context, [new DefenderJsonFormat(max)])
            : new TelemetryReader(context);
        return (reader.Read([path]).ToList(), log);
    }

    private static string Row(string? device = null, string? action = null, string? port = null, int? second = null, string? additional = null, string? extra = null)
    {
        var row = SampleRow;
        if (device is not null)
            row = row.Replace("laptop-7.contoso.com", device, StringComparison.Ordinal);
        if (action is not null)
            row = row.Replace("\"ConnectionSuccess\"", $"\"{action}\"", StringComparison.Ordinal);
        if (port is not null)
            row = row.Replace("\"RemotePort\":443", $"\"RemotePort\":{port}", StringComparison.Ordinal);
        if (second is { } s)
            row = row.Replace("09:39:50.7688641Z", $"09:39:{s % 60:00}.7688641Z", StringComparison.Ordinal);
        if (additional is not null)
            row = row.Replace("\"{\\\"direction\\\":\\\"Out\\\"}\"", additional, StringComparison.Ordinal);
        if (extra is not null)
            row = row[..^1] + "," + extra + "}";
        return row;
    }

    private static string Graph(params string[] rows) => $$"""{"schema":{{Schema}},"results":[{{string.Join(",", rows)}}]}""";

    private static string Ndjson(params string[] rows) => string.Join("\n", rows) + "\n";

    private static string Pretty(string json) => JsonNode.Parse(json)!.ToJsonString(Indented);

    private static void AssertSample(NetworkEvent e)
    {
        Assert.Equal(SampleTicks, e.TimestampTicks);
        Assert.Equal("laptop-7.contoso.com", e.DeviceName);
        Assert.Equal("ConnectionSuccess", e.ActionType);
        Assert.Equal("::ffff:172.64.149.247", e.RemoteIP);
        Assert.Equal(443, e.RemotePort);
        Assert.Equal("Public", e.RemoteIPType);
        Assert.Equal("https://sync.1rx.io", e.RemoteUrl);
        Assert.Equal("msedge.exe", e.InitiatingProcessFileName);
        Assert.Null(e.SentBytes);
        Assert.Null(e.ReceivedBytes);
    }

    public static TheoryData<string, string> EveryShape() => new()
    {
        { "graph", Graph(SampleRow) },
        { "graph, results before schema", $$"""{"results":[{{SampleRow}}],"schema":{{Schema}}}""" },
        { "graph with @odata.context", $$"""{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.security.huntingQueryResults","schema":{{Schema}},"results":[{{SampleRow}}]}""" },
        { "older Defender API", $$"""{"Schema":{{Schema.Replace("\"name\"", "\"Name\"", StringComparison.Ordinal).Replace("\"type\"", "\"Type\"", StringComparison.Ordinal)}},"Results":[{{SampleRow}}]}""" },
        { "array", $"[{SampleRow}]" },
        { "ndjson", SampleRow + "\n" },
        { "ndjson, no final newline, CRLF", SampleRow + "\r\n" + SampleRow },
    };

    [Theory]
    [MemberData(nameof(EveryShape))]
    public void ReadsTheSampleRowInEveryShape(string shape, string content)
    {
        var (events, log) = Read(_files.Write("export.json", content));
        Assert.NotEmpty(events);
        Assert.All(events, AssertSample);
        Assert.Equal(1, events[0].Provenance.Line);
        Assert.Equal(events.Count, log.EventsRead);
        Assert.Equal(0, log.RowsRejected + log.RowsSkipped);
        Assert.Equal(FormatName, log.Inputs[0].Format);
        Assert.True(log.Inputs[0].Provides.HasFlag(TelemetryFields.RemoteUrl | TelemetryFields.ProcessName), shape);
        Assert.False(log.Inputs[0].Provides.HasFlag(TelemetryFields.SentBytes), shape);
    }

    [Fact]
    public void ABomMakesNoDifference()
    {
        var (events, _) = Read(_files.Write("bom.json", Graph(SampleRow), bom: true));
        AssertSample(Assert.Single(events));
    }

    [Fact]
    public void AGraphResponseWithNoResultsIsRecognizedByItsSchema()
    {
        foreach (var content in new[] { Graph(), $$"""{"results":[],"schema":{{Schema}}}""", Pretty(Graph()) })
        {
            var (events, log) = Read(_files.Write("empty.json", content));
            Assert.Empty(events);
            var input = Assert.Single(log.Inputs);
            Assert.Equal(FormatName, input.Format);
            Assert.True(input.Provides.HasFlag(TelemetryFields.RemoteUrl));
        }
    }

    [Fact]
    public void PrettyPrintedRowsCarryTheLineTheirObjectStartsOn()
    {
        var text = Pretty(Graph(Row(device: "a"), Row(device: "b"), Row(device: "c")));
        var lines = text.Split('\n');
        var expected = Enumerable.Range(0, lines.Length - 1)
            .Where(i => lines[i] == "    {" && lines[i + 1].StartsWith("      \"Timestamp\"", StringComparison.Ordinal))
            .Select(i => (long)i + 1)
            .ToList();
        Assert.Equal(3, expected.Count);

        var (events, log) = Read(_files.Write("pretty.json", text));
        Assert.Equal(["a", "b", "c"], events.Select(e => e.DeviceName));
        Assert.Equal(expected, events.Select(e => e.Provenance.Line));
        Assert.All(events, e => Assert.Equal(443, e.RemotePort));
        Assert.Equal(3, log.EventsRead);
    }

    [Fact]
    public void RemotePortMayBeANumberOrAString()
    {
        var (events, log) = Read(_files.Write("ports.ndjson", Ndjson(Row(port: "8443"), Row(port: "\"8080\""), Row(port: "null"), Row(port: "\"https\""))));
        Assert.Equal([8443, 8080, -1], events.Select(e => e.RemotePort));
        Assert.Equal(1, log.Inputs[0].RejectedByReason[RowReasons.BadPort]);
        Assert.Contains(log.Examples, p => p.Line == 4 && p.Reason == RowReasons.BadPort);
    }

    [Fact]
    public void AnArrayOfRowsCountsNonObjectsAndReadsOn()
    {
        var text = $"[\n{Row(device: "a")},\n\"not a row\",\n[1, 2],\n{Row(device: "b")}\n]\n";
        var (events, log) = Read(_files.Write("rows.json", text));
        Assert.Equal(["a", "b"], events.Select(e => e.DeviceName));
        Assert.Equal([2L, 5L], events.Select(e => e.Provenance.Line));
        Assert.Equal(2, log.Inputs[0].RejectedByReason[RowReasons.NotAnObject]);
        Assert.Equal([3L, 4L], log.Examples.Where(p => p.Reason == RowReasons.NotAnObject).Select(p => p.Line));
    }

    [Fact]
    public void NdjsonCountsBrokenAndTruncatedLinesWithTheirLinesAndReadsOn()
    {
        var text =
            Row(device: "a") + "\n" +                                      // 1 ok
            "\n" +                                                          // 2 blank
            "{\"Timestamp\": \"2024-03-26T09:39:50Z\", \"DeviceName\"\n" +  // 3 broken
            "   \r\n" +                                                     // 4 blank
            Row(device: "b") + "\n" +                                      // 5 ok
            "[1, 2]\n" +                                                    // 6 not an object
            Row(device: "c") + " " + Row(device: "d") + "\n" +             // 7 two objects on one line
            Row(device: "e")[..100];                                       // 8 truncated, no newline
        var (events, log) = Read(_files.Write("rows.ndjson", text));
        Assert.Equal(["a", "b"], events.Select(e => e.DeviceName));
        Assert.Equal([1L, 5L], events.Select(e => e.Provenance.Line));
        var input = log.Inputs[0];
        Assert.Equal(3, input.RejectedByReason[RowReasons.BadJson]);
        Assert.Equal(1, input.RejectedByReason[RowReasons.NotAnObject]);
        Assert.Equal(2, input.SkippedByReason[RowReasons.BlankLine]);
        Assert.Equal([3L, 7L, 8L], log.Examples.Where(p => p.Reason == RowReasons.BadJson).Select(p => p.Line));
        Assert.Equal([2L, 4L], log.Examples.Where(p => p.Reason == RowReasons.BlankLine).Select(p => p.Line));
        Assert.Equal(8, log.EventsRead + log.RowsRejected + log.RowsSkipped);
    }

    [Fact]
    public void TextThatIsNotUtf8IsABrokenRow()
    {
        var path = Path.Combine(_files.Root, "latin1.ndjson");
        var bad = Encoding.UTF8.GetBytes(Row(device: "PLACEHOLDER"));
        var at = bad.AsSpan().IndexOf("PLACEHOLDER"u8);
        bad[at] = 0xE9;
        File.WriteAllBytes(path, [.. Encoding.UTF8.GetBytes(Row(device: "a") + "\n"), .. bad, (byte)'\n', .. Encoding.UTF8.GetBytes(Row(device: "b") + "\n")]);
        var (events, log) = Read(path);
        Assert.Equal(["a", "b"], events.Select(e => e.DeviceName));
        var problem = Assert.Single(log.Examples);
        Assert.Equal((2L, RowReasons.BadJson), (problem.Line, problem.Reason));
    }

    [Fact]
    public void BlankLinesBeforeTheFirstRowAreCounted()
    {
        var (events, log) = Read(_files.Write("lead.ndjson", "\n\n" + Ndjson(SampleRow)));
        Assert.Equal(3, Assert.Single(events).Provenance.Line);
        Assert.Equal([1L, 2L], log.Examples.Where(p => p.Reason == RowReasons.BlankLine).Select(p => p.Line));
    }

    [Fact]
    public void UnionRowsOfOtherTablesAreSkipped()
    {
        var text = Ndjson(
            Row(device: "a"),
            Row(action: "FileCreated", extra: "\"FileName\":\"evil.dll\""),
            Row(action: "ListeningConnectionCreated").Replace("\"RemoteIP\":\"::ffff:172.64.149.247\"", "\"RemoteIP\":\"\"", StringComparison.Ordinal).Replace("\"RemotePort\":443", "\"RemotePort\":null", StringComparison.Ordinal),
            Row(device: "b"));
        var (events, log) = Read(_files.Write("union.ndjson", text));
        Assert.Equal(["a", "b"], events.Select(e => e.DeviceName));
        Assert.Equal(2, log.RowsSkipped);
        Assert.Equal(0, log.RowsRejected);
        Assert.Equal(1, log.Inputs[0].SkippedByReason[RowReasons.OtherTable]);
        Assert.Equal(1, log.Inputs[0].SkippedByReason[RowReasons.NoRemoteEndpoint]);
        Assert.Contains(log.Examples, p => p.Line == 2 && p.Detail.Contains("FileCreated", StringComparison.Ordinal));
    }

    [Fact]
    public void AdditionalFieldsMayBeANestedObjectOrAString()
    {
        var text = Ndjson(
            Row(device: "object", additional: """{"direction":"Out","host":"c2.example","tags":["a",{"b":null}]}"""),
            Row(device: "string"),
            Row(device: "null", additional: "null"));
        var (events, log) = Read(_files.Write("additional.ndjson", text));
        Assert.Equal(["object", "string", "null"], events.Select(e => e.DeviceName));
        Assert.Equal(0, log.RowsRejected);
    }

    [Fact]
    public void ARowGivesStringsUnescapedNumbersAsTextNullAsEmptyAndObjectsAsRawJson()
    {
        string[] names = ["s", "n", "t", "f", "z", "o", "a", "absent"];
        var row = new JsonRow(names, Enumerable.Range(0, names.Length));
        var json = """{"s":"a\"b\u00e9\n","n":-1.5e3,"t":true,"f":false,"z":null,"o":{"x":[1, 2],"y":"\u0041"},"a":[],"other":{"deep":[[[]]]}}"""u8;
        var reader = new Utf8JsonReader(json);
        reader.Read();
        row.Fill(ref reader, json);
        Assert.Equal("a\"b\u00e9\n", row[0].ToString());
        Assert.Equal("-1.5e3", row[1].ToString());
        Assert.Equal("true", row[2].ToString());
        Assert.Equal("false", row[3].ToString());
        Assert.Equal("", row[4].ToString());
        Assert.Equal("""{"x":[1, 2],"y":"\u0041"}""", row[5].ToString());
        Assert.Equal("[]", row[6].ToString());
        Assert.Equal("", row[7].ToString());
        Assert.True(row[99].IsEmpty);
        Assert.Equal(JsonTokenType.EndObject, reader.TokenType);
    }

    [Fact]
    public void GzipCompressedNdjsonIsRead()
    {
        var rows = Enumerable.Range(0, 500).Select(i => Row(second: i)).ToArray();
        var (events, log) = Read(_files.Write("export.ndjson.gz", Ndjson(rows), gzip: true));
        Assert.Equal(500, events.Count);
        Assert.Equal(500L, events[^1].Provenance.Line);
        Assert.Equal(500, log.EventsRead);
    }

    [Theory]
    [InlineData("""{"name":"apple","colour":"red"}""")]
    [InlineData("""[{"a":1},{"a":2}]""")]
    [InlineData("""{"schema":[{"name":"a","type":"String"}],"results":[{"a":"x"}]}""")]
    [InlineData("[1, 2, 3]")]
    [InlineData("[]")]
    public void AJsonFileThatIsNotAnExportIsNotClaimed(string content)
    {
        var path = _files.Write("other.json", content);
        var ex = Assert.Throws<UnreadableInputException>(() => Read(path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains(FormatName, ex.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, bool> Heads() => new()
    {
        { Graph(SampleRow), true },
        { Graph(SampleRow)[..(Schema.Length + 40)], true },
        { Graph(), true },
        { Pretty(Graph(SampleRow)), true },
        { $$"""{"results":[{{SampleRow}}"""[..260], true },
        { $"[{SampleRow},{SampleRow}"[..300], true },
        { Pretty($"[{SampleRow}]"), true },
        { Ndjson(SampleRow, SampleRow), true },
        { "\n\n" + SampleRow[..250], true },
        { SampleRow[..250] + "\n" + SampleRow, false },
        { Pretty(SampleRow), false },
        { SampleRow + " garbage\n", false },
        { """{"results":[{"foo":1}]}""", false },
        { """{"schema":[{"name":"a"}],"results":[]}""", false },
        { "Timestamp,DeviceName,ActionType,RemoteIP,RemotePort\n", false },
        { "{", false },
        { "", false },
        { "[" + new string('[', 100) + SampleRow, false },
    };

    [Theory]
    [MemberData(nameof(Heads))]
    public void RecognizesOnlyTheThreeShapesNamingDeviceNetworkEventsColumns(string head, bool expected) =>
        Assert.Equal(expected, new DefenderJsonFormat().Recognizes(Encoding.UTF8.GetBytes(head)));

    [Fact]
    public void StrictModeStopsAtTheFirstBrokenRowWithFileAndLine()
    {
        var path = _files.Write("strict.ndjson", Ndjson(SampleRow, SampleRow, "{\"Timestamp\":", SampleRow));
        var ex = Assert.Throws<MalformedInputException>(() => Read(path, strict: true));
        Assert.Equal(3, ex.Problem.Line);
        Assert.StartsWith($"{path}:3: {RowReasons.BadJson}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StrictModeStopsAtABrokenArrayElement()
    {
        var path = _files.Write("strict.json", $"[\n{SampleRow},\n{SampleRow[..80]}");
        var ex = Assert.Throws<MalformedInputException>(() => Read(path, strict: true));
        Assert.Equal(3, ex.Problem.Line);
    }

    [Theory]
    [InlineData("array")]
    [InlineData("ndjson")]
    [InlineData("graph")]
    [InlineData("graph on one line")]
    public void FilesLargerThanTheBufferAreReadWhole(string shape)
    {
        const int Count = 20_000;
        var rows = Enumerable.Range(0, Count).Select(i => Row(device: $"host-{i}", second: i)).ToArray();
        var text = shape switch
        {
            "array" => "[\n" + string.Join(",\n", rows) + "\n]\n",
            "ndjson" => Ndjson(rows),
            "graph" => $"{{\"schema\":{Schema},\n\"results\":[\n" + string.Join(",\n", rows) + "\n]}\n",
            _ => Graph(rows),
        };
        Assert.True(text.Length > 64 * 1024 * 20);
        var (events, log) = Read(_files.Write("big.json", text));
        Assert.Equal(Count, events.Count);
        Assert.Equal(Count, log.EventsRead);
        Assert.Equal(0, log.RowsRejected + log.RowsSkipped);
        Assert.Equal(Enumerable.Range(0, Count).Select(i => $"host-{i}"), events.Select(e => e.DeviceName));
        var firstLine = shape switch { "array" => 2, "ndjson" => 1, "graph" => 3, _ => 1 };
        var step = shape == "graph on one line" ? 0 : 1;
        Assert.Equal(Enumerable.Range(0, Count).Select(i => (long)(firstLine + (i * step))), events.Select(e => e.Provenance.Line));
    }

    [Fact]
    public void ASyntaxErrorInsideAnArrayElementIsBookedOnItsLineAndEndsTheFile()
    {
        var rows = Enumerable.Range(0, 2000).Select(i => Row(device: $"host-{i}")).ToArray();
        rows[1500] = rows[1500].Replace("\"RemotePort\":443,", "\"RemotePort\":443,,", StringComparison.Ordinal);
        var (events, log) = Read(_files.Write("broken.json", "[\n" + string.Join(",\n", rows) + "\n]\n"));
        Assert.Equal(1500, events.Count);
        var problem = Assert.Single(log.Examples);
        Assert.Equal(RowReasons.BadJson, problem.Reason);
        Assert.Equal(1502, problem.Line);
        Assert.Equal(1, log.RowsRejected);
    }

    [Fact]
    public void ASyntaxErrorBetweenElementsIsBookedOnItsLineAndEndsTheFile()
    {
        var rows = Enumerable.Range(0, 2000).Select(i => Row(device: $"host-{i}")).ToArray();
        var text = "[\n" + string.Join(",\n", rows.Take(1500)) + "\n" + string.Join(",\n", rows.Skip(1500)) + "\n]\n";
        var (events, log) = Read(_files.Write("comma.json", text));
        Assert.Equal(1500, events.Count);
        var problem = Assert.Single(log.Examples);
        Assert.Equal(RowReasons.BadJson, problem.Reason);
        Assert.Equal(1502, problem.Line);
    }

    [Fact]
    public void AGraphResponseCutShortKeepsTheRowsBeforeTheCut()
    {
        var text = Pretty(Graph(Row(device: "a"), Row(device: "b")));
        var (events, log) = Read(_files.Write("cut.json", text[..(text.LastIndexOf("\"DeviceName\"", StringComparison.Ordinal) + 5)]));
        Assert.Equal("a", Assert.Single(events).DeviceName);
        Assert.Equal(1, log.RowsRejected);
    }

    [Fact]
    public void DeepNestingIsABrokenRowNotACrash()
    {
        var deep = new string('[', 100_000) + new string(']', 100_000);
        var (events, log) = Read(_files.Write("deep.ndjson", Ndjson(Row(device: "a"), Row(additional: deep), Row(device: "b"))));
        Assert.Equal(["a", "b"], events.Select(e => e.DeviceName));
        Assert.Equal(1, log.Inputs[0].RejectedByReason[RowReasons.BadJson]);

        (events, log) = Read(_files.Write("deep.json", $"[{Row(device: "a")},{Row(additional: deep)},{Row(device: "b")}]"));
        Assert.Equal("a", Assert.Single(events).DeviceName);
        Assert.Equal(1, log.RowsRejected);
    }

    [Theory]
    [InlineData("ndjson")]
    [InlineData("array")]
    [InlineData("graph")]
    public void RowsOverTheSizeLimitAreRejectedAndReadingGoesOn(string shape)
    {
        const int Limit = 4096;
        // One row that fits the buffer but not the limit, one far bigger than the buffer made of
        // small tokens (walked past token by token), then ordinary rows.
        string[] rows =
        [
            Row(device: "a"),
            Row(extra: $"\"Pad\":\"{new string('x', 10_000)}\""),
            Row(device: "b"),
            Row(extra: $"\"Pad\":[{string.Join(",", Enumerable.Repeat("1", 200_000))}]"),
            Row(device: "c"),
        ];
        var text = shape switch
        {
            "ndjson" => Ndjson(rows),
            "array" => "[\n" + string.Join(",\n", rows) + "\n]",
            _ => "{\"schema\":" + Schema + ",\"results\":[\n" + string.Join(",\n", rows) + "\n]}",
        };
        var (events, log) = Read(_files.Write("large.json", text), maxRowBytes: Limit);
        Assert.Equal(["a", "b", "c"], events.Select(e => e.DeviceName));
        var first = shape == "ndjson" ? 1L : 2L;
        Assert.Equal([first, first + 2, first + 4], events.Select(e => e.Provenance.Line));
        Assert.Equal(2, log.Inputs[0].RejectedByReason[RowReasons.BadJson]);
        Assert.Equal([first + 1, first + 3], log.Examples.Select(p => p.Line));
        Assert.All(log.Examples, p => Assert.Contains("4096", p.Detail, StringComparison.Ordinal));
    }

    [Fact]
    public void ASingleValueOverTheLimitInAnArrayEndsTheFileWithoutBufferingIt()
    {
        string[] rows = [Row(device: "a"), Row(extra: $"\"Pad\":\"{new string('x', 500_000)}\""), Row(device: "b")];
        var (events, log) = Read(_files.Write("huge.json", "[\n" + string.Join(",\n", rows) + "\n]"), maxRowBytes: 4096);
        Assert.Equal("a", Assert.Single(events).DeviceName);
        var problem = Assert.Single(log.Examples);
        Assert.Equal(3, problem.Line);
        Assert.Equal(RowReasons.BadJson, problem.Reason);
    }

    [Fact]
    public void AFirstRowOverTheLimitMakesTheFileUnreadable()
    {
        var path = _files.Write("first.ndjson", Ndjson(Row(extra: $"\"Pad\":\"{new string('x', 10_000)}\""), SampleRow));
        var ex = Assert.Throws<UnreadableInputException>(() => Read(path, maxRowBytes: 4096));
        Assert.StartsWith($"{path}:1:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ByteCountsAreReadWhenARowCarriesThem()
    {
        var text = Ndjson(Row(extra: "\"SentBytes\":120,\"ReceivedBytes\":\"4096\""), Row(extra: "\"SentBytes\":null,\"ReceivedBytes\":null"));
        var (events, log) = Read(_files.Write("bytes.ndjson", text));
        Assert.Equal(120, events[0].SentBytes);
        Assert.Equal(4096, events[0].ReceivedBytes);
        Assert.Null(events[1].SentBytes);
        Assert.True(log.Inputs[0].Provides.HasFlag(TelemetryFields.SentBytes | TelemetryFields.ReceivedBytes));
    }
}
