using System.Globalization;
using System.Text;
using Cadence.Channels;
using Cadence.Sources;
using Cadence.Sources.Internals;

namespace Cadence.Tests.Channels;

/// <summary>
/// The grouping takes plain Defender rows as spans of the row (no event, no interned strings):
/// it must give exactly the channels that building every event and grouping it gives.
/// </summary>
public sealed class ChannelGroupingSpanTests : IDisposable
{
    private static readonly ChannelScope Scope = new(new HashSet<int> { 80, 443, 8080, 8443 });
    private static readonly DateTime Start = new(2024, 3, 25, 6, 0, 0, DateTimeKind.Utc);

    private readonly TempFiles _files = new();

    [Theory]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(2, false)]
    [InlineData(3, false)]
    public void SpansGiveWhatEventsGive(int threads, bool asOfGiven)
    {
        var path = _files.Write("fleet.csv", Export());
        DateTime? asOf = asOfGiven ? Start.AddHours(20) : null;

        var log = new IngestLog();
        using var pool = new StringPool();
        using var grouping = new ChannelGrouping(Scope, TimeSpan.FromHours(24), asOf);
        new TelemetryReader(new ReadContext(log, pool) { DegreeOfParallelism = threads }).ReadInto([path], grouping);
        var actual = grouping.Complete(log.LatestEventTicks);

        var expected = Reference(path, asOf);
        Assert.True(expected.Channels.Count > 100, $"only {expected.Channels.Count} channels: the test data must exercise the grouping");
        Assert.Equal(expected.ByRole, actual.ByRole);
        Assert.Equal(expected.OutsideWindow, actual.OutsideWindow);
        Assert.Equal(expected.EarliestTicks, actual.EarliestTicks);
        Assert.Equal(expected.Devices.Order(StringComparer.Ordinal), actual.Devices.Order(StringComparer.Ordinal));
        Assert.Equal(Describe(expected), Describe(actual));
    }

    /// <summary>The channels the long way: every event built and accepted one by one.</summary>
    private static ChannelSet Reference(string path, DateTime? asOf)
    {
        var log = new IngestLog();
        using var pool = new StringPool();
        var events = new TelemetryReader(new ReadContext(log, pool) { DegreeOfParallelism = 1 }).Read([path]).ToList();
        using var grouping = new ChannelGrouping(Scope, TimeSpan.FromHours(24), asOf);
        foreach (var e in events)
            grouping.Accept(e);
        return grouping.Complete(log.LatestEventTicks);
    }

    /// <summary>Everything the analytics read of each channel, as text, in key order.</summary>
    private static List<string> Describe(ChannelSet set) =>
        [.. set.Channels.Keys.Order().Select(key =>
        {
            var series = set.Channels[key];
            return string.Join(" | ",
                key.ToString(),
                string.Join(",", series.Connections.ToArray().Select(c => c.ToString())),
                series.Count, series.Overflow, series.Failed, series.AggregatedExtra, series.HttpEvents,
                string.Join(",", series.UserAgents.OrderBy(u => u.Key, StringComparer.Ordinal)),
                string.Join(",", series.RemoteIPs.Order(StringComparer.Ordinal)),
                string.Join(",", series.RemotePorts.Order()),
                string.Join(",", series.CommandLines.ToArray().Order(StringComparer.Ordinal)),
                series.FirstTicks, series.LastTicks, series.FirstEvidence?.Line);
        })];

    /// <summary>
    /// About 20,000 rows (over 4 MB, so two threads read it as ranges): channels named by bare
    /// hosts, by URLs to parse, and by address alone (no RemoteUrl, or an empty one), a name
    /// reached over several addresses and ports, several command lines per channel, and every
    /// kind of row the grouping treats differently: failed, inbound, aggregated and inspected
    /// rows, private addresses with and without a name, other ports, rows outside the window.
    /// </summary>
    private static string Export()
    {
        var random = new Random(7);
        var text = new StringBuilder("Timestamp,DeviceId,DeviceName,ActionType,RemoteIP,RemotePort,RemoteUrl,LocalIP,LocalPort,Protocol,")
            .Append("LocalIPType,RemoteIPType,InitiatingProcessFileName,InitiatingProcessId,InitiatingProcessCommandLine,ReportId,AdditionalFields\n");
        var rows = new List<string>();
        string[] processes = ["rundll32.exe", "chrome.exe", "powershell.exe", "", "svchost.exe"];
        for (var channel = 0; channel < 150; channel++)
        {
            var device = $"ws-{channel % 19}.contoso.com";
            var process = processes[channel % processes.Length];
            var url = (channel % 5) switch
            {
                0 => $"c{channel % 60}.example.net",
                1 => $"https://C{channel % 60}.Example.net:8443/path?q={channel}",
                2 => "",
                _ => $"cdn{channel % 7}.example.org",
            };
            var interval = TimeSpan.FromSeconds(30 + channel * 7);
            var at = Start.AddSeconds(random.Next(3600));
            while (at < Start.AddHours(26))
            {
                var action = random.Next(40) switch
                {
                    0 => "ConnectionFailed",
                    1 => "ConnectionSuccessAggregatedReport",
                    2 => "HttpConnectionInspected",
                    3 => "InboundConnectionAccepted",
                    4 => "ConnectionAttempt",
                    _ => "ConnectionSuccess",
                };
                var ip = channel % 3 == 0 ? $"93.184.{channel % 40}.{random.Next(3)}" : $"93.184.{channel % 40}.{channel % 11}";
                var ipType = random.Next(25) == 0 ? "Private" : "Public";
                var port = random.Next(20) == 0 ? 22 : channel % 4 == 0 ? 8443 : 443;
                var additional = action switch
                {
                    "ConnectionSuccessAggregatedReport" => "\"{\"\"uniqueEventsAggregated\"\":4}\"",
                    "HttpConnectionInspected" => $"\"{{\"\"host\"\":\"\"c{channel}.example.net\"\",\"\"method\"\":\"\"GET\"\",\"\"user_agent\"\":\"\"curl/8\"\"}}\"",
                    _ => "\"{}\"",
                };
                var commandLine = random.Next(8) == 0 ? "" : $"\"\"\"{process}\"\" -n {random.Next(3)} \"\"x,y\"\"\"";
                var stamp = at.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);
                rows.Add($"{stamp},dev{channel % 19},{device},{action},{ip},{port},{(random.Next(15) == 0 ? "" : url)},10.0.0.{channel % 200},"
                    + $"{50000 + random.Next(10000)},Tcp,Private,{ipType},{process},{1000 + channel},{commandLine},{random.Next(100000)},{additional}");
                at += interval * (0.7 + 0.3 * random.NextDouble());
            }
        }
        foreach (var line in rows.OrderBy(_ => random.Next()))
            text.Append(line).Append('\n');
        return text.ToString();
    }

    public void Dispose() => _files.Dispose();
}
