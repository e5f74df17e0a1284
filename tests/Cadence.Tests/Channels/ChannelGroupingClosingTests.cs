using System.Text;
using Cadence.Channels;
using Cadence.Sources;
using Cadence.Sources.Internals;

namespace Cadence.Tests.Channels;

/// <summary>
/// The grouping's closing pass (channels in each thread's creation order, windowed and sorted in
/// slices on every core, with their glances, details list and hashes) and the plain-row path's
/// address limit.
/// </summary>
public class ChannelGroupingClosingTests
{
    private static readonly ChannelScope Scope = new(new HashSet<int> { 80, 443, 8080, 8443 });

    [Fact]
    public void Complete_called_twice_gives_the_same_channels()
    {
        using var grouping = new ChannelGrouping(Scope, TimeSpan.FromHours(24), null);
        grouping.Accept(Events.At(Events.T0, url: "a.example"));
        grouping.Accept(Events.At(Events.T0, url: "b.example"));

        var first = grouping.Complete(null);
        var second = grouping.Complete(null);

        Assert.Equal(2, first.Channels.Count);
        Assert.Same(first, second);
        Assert.Throws<InvalidOperationException>(() => grouping.Complete(Events.T0.Ticks));
    }

    [Fact]
    public void Complete_twice_reports_the_same_connections_outside_the_window()
    {
        using var grouping = new ChannelGrouping(new ChannelScope(new HashSet<int> { 443 }), TimeSpan.FromHours(1), null);
        // One channel: 3 connections 2 h apart (never full, so nothing is dropped on arrival); the last hour holds 1.
        for (var i = 0; i < 3; i++)
            grouping.Accept(Events.At(Events.T0.AddHours(2 * i), url: "a.example"));

        var first = grouping.Complete(null);
        var second = grouping.Complete(null);

        Assert.Equal(2, first.OutsideWindow);
        Assert.Equal(1, second.Channels.Single().Value.Count);
        Assert.Equal(first.OutsideWindow, second.OutsideWindow);
    }

    /// <summary>
    /// Two threads feed 12,000 channels (three slices of the closing pass), every channel from
    /// both threads: each comes out once, with all its connections in time order, and the
    /// glances, the details list and the device and destination hashes line up with All.
    /// </summary>
    [Fact]
    public void Many_channels_from_two_threads_come_out_once_with_aligned_glances_and_hashes()
    {
        const int Channels = 12_000, PerChannel = 6;
        using var grouping = new ChannelGrouping(Scope, TimeSpan.FromHours(24), null);
        void Feed(int parity)
        {
            for (var k = 0; k < PerChannel; k++)
            {
                if (k % 2 != parity)
                    continue;
                for (var c = 0; c < Channels; c++)
                {
                    var e = Events.At(Events.T0.AddMinutes(PerChannel - k), device: $"ws-{c % 97}", url: $"c{c}.example", ip: $"198.51.{c % 250}.{k}");
                    if (c % 10 == 0)
                        e = e with { ProcessCommandLine = $"beacon.exe -c {c}", UserAgent = "curl/8", HttpMethod = "GET" };
                    grouping.Accept(e);
                }
            }
        }
        var threads = new[] { new Thread(() => Feed(0)), new Thread(() => Feed(1)) };
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();

        var table = grouping.Complete(null).Channels;

        Assert.Equal(Channels, table.Count);
        Assert.Equal(Channels, table.All.ToArray().Select(c => c.Key).Distinct().Count());
        Assert.Equal(table.Count, table.Glances.Length);
        for (var i = 0; i < table.Count; i++)
        {
            var (key, series) = table.All[i];
            Assert.Equal(PerChannel, series.Count);
            Assert.Equal(PerChannel, series.RemoteIPs.Count);
            Assert.True(series.Connections.ToArray().Zip(series.Connections.ToArray().Skip(1)).All(p => p.First.Ticks <= p.Second.Ticks));
            Assert.Equal(series.Count, table.Glances[i].Connections);
            Assert.Equal(series.CommandLines.Length, table.Glances[i].CommandLines);
            Assert.Equal(table.HashOf(key.Device), table.DeviceHashes[i]);
            Assert.Equal(table.HashOf(key.Destination), table.DestinationHashes[i]);
        }
        var detailed = table.WithDetails.ToArray().Select(c => c.Key).ToList();
        Assert.Equal(table.All.ToArray().Where(c => c.Value.HasDetails).Select(c => c.Key), detailed);
        Assert.Equal(Channels / 10, detailed.Count);
    }

    /// <summary>
    /// Plain Defender rows (the span path, addresses interned on first sight) of one channel over
    /// 100 addresses, each seen three times: the channel keeps the first 64 once each.
    /// </summary>
    [Fact]
    public void Plain_rows_keep_each_address_once_up_to_the_limit()
    {
        using var files = new TempFiles();
        var text = new StringBuilder("Timestamp,DeviceId,DeviceName,ActionType,RemoteIP,RemotePort,RemoteUrl,LocalIP,LocalPort,Protocol,LocalIPType,RemoteIPType,InitiatingProcessFileName,InitiatingProcessId,InitiatingProcessCommandLine,ReportId,AdditionalFields\n");
        for (var i = 0; i < 300; i++)
            text.Append($"{Events.T0.AddSeconds(i):yyyy-MM-ddTHH:mm:ss.fffffffZ},d1,ws-1,ConnectionSuccess,198.51.100.{i % 100},443,cdn.example,10.0.0.1,5000,Tcp,Private,Public,beacon.exe,1,,{i},\n");
        var path = files.Write("plain.csv", text.ToString());
        var log = new IngestLog();
        using var pool = new StringPool();
        using var grouping = new ChannelGrouping(Scope, TimeSpan.FromHours(24), null);
        new TelemetryReader(new ReadContext(log, pool) { DegreeOfParallelism = 1 }).ReadInto([path], grouping);

        var series = Assert.Single(grouping.Complete(log.LatestEventTicks).Channels).Value;

        Assert.Equal(300, series.Count);
        Assert.Equal(Enumerable.Range(0, 64).Select(i => $"198.51.100.{i}").Order(StringComparer.Ordinal), series.RemoteIPs.Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// Plain rows name the fleet's devices whether they join a channel or not: a device seen only
    /// inbound, one only outside the window, one only to a private address and one only in
    /// channels (on two threads) are all counted.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Plain_rows_count_every_device_they_name(int threads)
    {
        using var files = new TempFiles();
        var text = new StringBuilder("Timestamp,DeviceId,DeviceName,ActionType,RemoteIP,RemotePort,RemoteUrl,LocalIP,LocalPort,Protocol,LocalIPType,RemoteIPType,InitiatingProcessFileName,InitiatingProcessId,InitiatingProcessCommandLine,ReportId,AdditionalFields\n");
        void Row(DateTime at, string device, string action, string ip, string ipType) =>
            text.Append($"{at:yyyy-MM-ddTHH:mm:ss.fffffffZ},id,{device},{action},{ip},443,,10.0.0.1,5000,Tcp,Private,{ipType},beacon.exe,1,,1,\n");
        // Over 4 MB, so two threads read it as ranges.
        for (var i = 0; i < 40_000; i++)
            Row(Events.T0.AddSeconds(i), $"in-channel-{i % 50}", "ConnectionSuccess", $"198.51.100.{i % 200}", "Public");
        Row(Events.T0, "inbound-only", "InboundConnectionAccepted", "198.51.100.1", "Public");
        Row(Events.T0.AddDays(-3), "outside-window-only", "ConnectionSuccess", "198.51.100.1", "Public");
        Row(Events.T0, "private-only", "ConnectionSuccess", "10.1.2.3", "Private");
        var path = files.Write("fleet.csv", text.ToString());
        var log = new IngestLog();
        using var pool = new StringPool();
        using var grouping = new ChannelGrouping(Scope, TimeSpan.FromHours(24), Events.T0.AddDays(1));
        new TelemetryReader(new ReadContext(log, pool) { DegreeOfParallelism = threads }).ReadInto([path], grouping);

        var devices = grouping.Complete(log.LatestEventTicks).Devices;

        Assert.Equal(53, devices.Count);
        Assert.Contains("inbound-only", devices);
        Assert.Contains("outside-window-only", devices);
        Assert.Contains("private-only", devices);
        Assert.All(Enumerable.Range(0, 50), i => Assert.Contains($"in-channel-{i}", devices));
    }

    /// <summary>
    /// Connections at the same tick come out in one order whatever order they arrived in (reader
    /// threads race), short channels (insertion sort) and long ones (the generic sort) alike.
    /// </summary>
    [Theory]
    [InlineData(5)]
    [InlineData(40)]
    public void Connections_at_the_same_time_come_out_in_one_order_whatever_the_arrival(int count)
    {
        var events = Enumerable.Range(0, count)
            .Select(i => Events.At(Events.T0.AddSeconds(i / 3), sent: 1000 - i * 7, received: i % 4))
            .ToList();
        ChannelConnection[] Grouped(IEnumerable<Cadence.Telemetry.NetworkEvent> order)
        {
            using var grouping = new ChannelGrouping(Scope, TimeSpan.FromHours(24), null);
            foreach (var e in order)
                grouping.Accept(e);
            return Assert.Single(grouping.Complete(null).Channels).Value.Connections.ToArray();
        }

        var forward = Grouped(events);
        var backward = Grouped(Enumerable.Reverse(events));
        var shuffled = Grouped(events.OrderBy(e => (e.SentBytes * 7919) % 101));

        Assert.Equal(count, forward.Length);
        Assert.Equal(forward, backward);
        Assert.Equal(forward, shuffled);
        Assert.True(forward.Zip(forward.Skip(1)).All(p => p.First.Ticks < p.Second.Ticks || (p.First.Ticks == p.Second.Ticks && p.First.SentBytes <= p.Second.SentBytes)));
    }
}
