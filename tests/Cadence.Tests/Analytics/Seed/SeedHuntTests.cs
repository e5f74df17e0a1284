using System.Globalization;
using System.Text;
using Cadence.Analytics.Seed;
using Cadence.Channels;
using Cadence.Sources;
using Cadence.Sources.Internals;

namespace Cadence.Tests.Analytics.Seed;

/// <summary>
/// The seed hunt hands plain connection rows to the rule as spans of the row (no event, no
/// strings): it must give exactly what building every event and grouping their strings gives.
/// </summary>
public sealed class SeedHuntTests : IDisposable
{
    private readonly TempFiles _files = new();

    private static readonly DateTime Start = new(2024, 3, 25, 6, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData(1, true, true)]
    [InlineData(2, true, true)]
    [InlineData(2, false, true)]
    [InlineData(2, true, false)]
    [InlineData(3, false, false)]
    public void SpansGiveWhatEventsGive(int threads, bool asOfGiven, bool withBytesAndUrls)
    {
        var path = _files.Write("fleet.csv", Export(withBytesAndUrls));
        DateTime? asOf = asOfGiven ? Start.AddHours(20) : null;

        var hunt = SeedHunt.Run(new SeedHuntOptions([path], asOf) { DegreeOfParallelism = threads });
        var (expected, filtered, groups) = Reference(path, asOf);

        Assert.True(expected.Count > 20, $"only {expected.Count} result rows: the test data must exercise the rule");
        Assert.Equal(expected, hunt.Rows);
        Assert.Equal(groups, hunt.Groups);
        Assert.Equal(filtered, hunt.Filtered);
        Assert.Equal(withBytesAndUrls, hunt.BytesKnown);
    }

    /// <summary>The rule computed the long way: every event built, filtered and grouped by its strings.</summary>
    private static (List<SeedResult> Rows, SeedFilterCounts Filtered, int Groups) Reference(string path, DateTime? asOf)
    {
        var log = new IngestLog();
        using var pool = new StringPool();
        var events = new TelemetryReader(new ReadContext(log, pool) { DegreeOfParallelism = 1 }).Read([path]).ToList();
        var channels = new WindowedChannels(SeedRule.DefaultWindow, asOf);
        var byFilter = new long[4];
        foreach (var e in events)
        {
            var filter = SeedRule.Filter(e);
            byFilter[(int)filter]++;
            if (filter == SeedRowFilter.Admitted)
                channels.Add(SeedRule.KeyOf(e), e);
        }
        var summaries = channels.Summarize(log.LatestEventTicks);
        var bytesKnown = log.Inputs.Any(i => i.Input.DisplayName == path && (i.Provides & Cadence.Telemetry.TelemetryFields.SentBytes) != 0);
        var rows = SeedRule.Evaluate(summaries, bytesKnown).ToList();
        var filtered = new SeedFilterCounts(
            byFilter[(int)SeedRowFilter.PortNotWeb], byFilter[(int)SeedRowFilter.RemoteIPTypeNotPublic],
            byFilter[(int)SeedRowFilter.ActionTypeNotConnectionSuccess], channels.OutsideWindow,
            byFilter[(int)SeedRowFilter.Admitted] - channels.OutsideWindow);
        return (rows, filtered, summaries.Count);
    }

    /// <summary>
    /// About 24,000 rows (over 4 MB, so two threads read it as ranges): beacons and noise on
    /// many channels over a day and more, with every kind of row the reader treats differently:
    /// failed connections, aggregated reports and inspected rows (details in AdditionalFields),
    /// other tables' rows, private addresses, other ports, quoted command lines, a malformed row.
    /// </summary>
    private static string Export(bool withBytesAndUrls)
    {
        var random = new Random(11);
        var text = new StringBuilder("Timestamp,DeviceId,DeviceName,ActionType,RemoteIP,RemotePort,");
        text.Append(withBytesAndUrls ? "RemoteUrl," : "").Append("LocalIP,LocalPort,Protocol,LocalIPType,RemoteIPType,InitiatingProcessFileName,")
            .Append("InitiatingProcessId,InitiatingProcessCommandLine,ReportId,AdditionalFields").Append(withBytesAndUrls ? ",SentBytes,ReceivedBytes" : "").Append('\n');
        var rows = new List<(DateTime At, string Line)>();
        string[] processes = ["rundll32.exe", "chrome.exe", "powershell.exe", "", "svchost.exe"];
        for (var channel = 0; channel < 120; channel++)
        {
            var device = $"ws-{channel % 17}.contoso.com";
            var process = processes[channel % processes.Length];
            var ip = channel % 9 == 0 ? $"::ffff:93.184.{channel}.{channel % 7}" : $"93.184.{channel % 40}.{channel % 11}";
            var port = (channel % 13) switch { 0 => 8080, 1 => 4444, 2 => 8443, 3 => 80, _ => 443 };
            var interval = TimeSpan.FromSeconds(channel % 4 == 0 ? 20 + channel : 60 * (1 + channel % 10));
            var at = Start.AddSeconds(random.Next(3600));
            while (at < Start.AddHours(26))
            {
                var action = random.Next(40) switch
                {
                    0 => "ConnectionFailed",
                    1 => "ConnectionSuccessAggregatedReport",
                    2 => "HttpConnectionInspected",
                    3 => "ListeningConnectionCreated",
                    _ => "ConnectionSuccess",
                };
                var ipType = random.Next(30) == 0 ? "Private" : "Public";
                var url = $"https://c{channel}.example.net/{random.Next(channel % 3 == 0 ? 1 : 5)}";
                var additional = action switch
                {
                    "ConnectionSuccessAggregatedReport" => "\"{\"\"uniqueEventsAggregated\"\":3}\"",
                    "HttpConnectionInspected" => $"\"{{\"\"host\"\":\"\"c{channel}.example.net\"\",\"\"method\"\":\"\"GET\"\",\"\"user_agent\"\":\"\"curl/8\"\"}}\"",
                    _ => "\"{}\"",
                };
                var stamp = at.ToString(random.Next(3) switch { 0 => "yyyy-MM-ddTHH:mm:ssZ", 1 => "yyyy-MM-ddTHH:mm:ss.fffZ", _ => "yyyy-MM-ddTHH:mm:ss.fffffffZ" }, CultureInfo.InvariantCulture);
                var line = new StringBuilder($"{stamp},dev{channel % 17},{device},{action},{ip},{port},");
                if (withBytesAndUrls)
                    line.Append(url).Append(',');
                line.Append($"10.0.0.{channel % 200},{50000 + random.Next(10000)},Tcp,Private,{ipType},{process},{1000 + channel},")
                    .Append($"\"\"\"{process}\"\" -a \"\"x,y\"\"\",{random.Next(100000)},{additional}");
                if (withBytesAndUrls)
                    line.Append(random.Next(10) == 0 ? ",," : $",{random.Next(500, 900)},{random.Next(100, 50000)}");
                rows.Add((at, line.ToString()));
                at += interval * (0.7 + 0.3 * random.NextDouble()) + TimeSpan.FromMilliseconds(random.Next(1000));
            }
        }
        foreach (var (_, line) in rows.OrderBy(_ => random.Next()))
            text.Append(line).Append('\n');
        text.Append("not,a,row\n");
        return text.ToString();
    }

    public void Dispose() => _files.Dispose();
}
