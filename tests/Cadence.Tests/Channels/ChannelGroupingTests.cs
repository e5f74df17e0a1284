using Cadence.Channels;
using Cadence.Telemetry;

namespace Cadence.Tests.Channels;

public class ChannelGroupingTests
{
    private static readonly ChannelScope Scope = new(new HashSet<int> { 80, 443, 8080, 8443 });

    private static ChannelSet Group(IEnumerable<NetworkEvent> events, TimeSpan? window = null, DateTime? asOf = null)
    {
        using var grouping = new ChannelGrouping(Scope, window ?? TimeSpan.FromHours(24), asOf);
        long? latest = null;
        foreach (var e in events)
        {
            grouping.Accept(e);
            latest = Math.Max(latest ?? long.MinValue, e.TimestampTicks);
        }
        return grouping.Complete(latest);
    }

    public static TheoryData<string, string, int, string?, string?, ChannelRole> Roles => new()
    {
        { "ConnectionSuccess", "Public", 443, null, null, ChannelRole.Connection },
        { "ConnectionSuccess", "Public", 22, null, null, ChannelRole.NotWeb },
        // A name alone (Defender's RemoteUrl) does not make port 22 web; a TLS server name or HTTP host does.
        { "ConnectionSuccess", "Public", 22, null, "ssh.example", ChannelRole.NotWeb },
        { "ConnectionSuccess", "Public", 4443, "c2.example", null, ChannelRole.Connection },
        { "ConnectionSuccess", "Private", 443, null, null, ChannelRole.InternalDestination },
        // Through a proxy: the private proxy address, but the CONNECT target names where it went.
        { "ConnectionSuccess", "Private", 3128, "www.honestimnotevil.com", null, ChannelRole.Connection },
        { "ConnectionFailed", "Public", 443, null, null, ChannelRole.Failed },
        { "ConnectionFailedAggregatedReport", "Public", 443, null, null, ChannelRole.Failed },
        { "deny", "Public", 443, null, null, ChannelRole.Failed },
        { "HttpConnectionInspected", "Public", 80, "a.example", null, ChannelRole.Inspection },
        { "InboundConnectionAccepted", "Public", 443, null, null, ChannelRole.NotOutbound },
        { "ConnectionSuccess", "", 80, null, "http://a.example/x", ChannelRole.Connection },
    };

    [Theory]
    [MemberData(nameof(Roles))]
    public void Each_event_gets_one_role(string action, string ipType, int port, string? host, string? url, ChannelRole expected)
    {
        var e = Events.At(Events.T0, action: action, ipType: ipType, port: port, url: url) with { DestinationHost = host };

        Assert.Equal(expected, Scope.RoleOf(e));
    }

    [Theory]
    [InlineData("www.Example.com", "www.example.com")]
    [InlineData("https://cdn.example.net:8443/path?q=1", "cdn.example.net")]
    [InlineData("evil.example:443", "evil.example")]
    [InlineData("http://user@host.example/", "host.example")]
    [InlineData("http://[2001:db8::1]:8080/", "2001:db8::1")]
    [InlineData("example.org.", "example.org")]
    public void Url_hosts_are_normalized(string url, string host) => Assert.Equal(host, DestinationNames.UrlHost(url));

    [Theory]
    [InlineData("c2.example", true, "c2.example")]
    [InlineData("c2.example", false, "c2.example")]
    [InlineData("cdn-1_a.example", true, "cdn-1_a.example")]
    [InlineData("C2.Example", false, "c2.example")]
    [InlineData("c2.example:8443", false, "c2.example")]
    [InlineData("https://c2.example/x", true, "c2.example")]
    [InlineData("c2.example.", true, "c2.example")]
    [InlineData("c2.example.", false, "c2.example.")]
    public void A_bare_host_is_its_own_name_and_anything_else_is_parsed(string value, bool isUrl, string host)
    {
        var names = new DestinationNames();

        Assert.Equal(host, names.Normalize(value, isUrl));
        // Asked again (answers are remembered), the same.
        Assert.Equal(host, names.Normalize(value, isUrl));
    }

    [Fact]
    public void A_CDN_rotating_addresses_is_one_channel_keeping_every_address()
    {
        var events = Enumerable.Range(0, 16).Select(i =>
            Events.At(Events.T0.AddMinutes(i), ip: $"198.51.100.{i % 8}", url: "c2.cdn.example"));

        var set = Group(events);

        var (key, series) = Assert.Single(set.Channels);
        Assert.Equal("c2.cdn.example", key.Destination);
        Assert.Equal(16, series.Count);
        Assert.Equal(8, series.RemoteIPs.Count);
    }

    [Fact]
    public void A_channel_keeps_each_address_once_and_no_more_than_the_limit()
    {
        // Eight addresses, each seen twice, in a channel allowed four.
        var events = Enumerable.Range(0, 16).Select(i =>
            Events.At(Events.T0.AddMinutes(i), ip: $"198.51.100.{i % 8}", url: "c2.cdn.example"));
        using var grouping = new ChannelGrouping(Scope, TimeSpan.FromHours(24), null, new ChannelLimits(MaxDistinct: 4));
        foreach (var e in events)
            grouping.Accept(e);

        var series = Assert.Single(grouping.Complete(null).Channels).Value;

        Assert.Equal(["198.51.100.0", "198.51.100.1", "198.51.100.2", "198.51.100.3"], series.RemoteIPs.Order(StringComparer.Ordinal));
        Assert.Equal(16, series.Count);
    }

    [Fact]
    public void The_channels_with_details_are_listed_apart_in_table_order()
    {
        var events = new[]
        {
            Events.At(Events.T0, url: "plain.example"),
            Events.At(Events.T0, url: "agent.example") with { UserAgent = "curl/8.0", HttpMethod = "GET" },
            Events.At(Events.T0, url: "socket.example") with { WebSocketUpgrade = true },
            Events.At(Events.T0, url: "long.example") with { DurationTicks = TimeSpan.TicksPerHour },
            Events.At(Events.T0, url: "tls.example") with { Ja3 = "e7d705a3286e19ea42f587b344ee6865" },
        };

        var table = Group(events).Channels;

        var all = table.All.ToArray().Select(c => c.Key.Destination).ToList();
        var detailed = table.WithDetails.ToArray().Select(c => c.Key.Destination).ToList();
        Assert.Equal(["agent.example", "long.example", "socket.example", "tls.example"], detailed.Order(StringComparer.Ordinal));
        Assert.Equal(all.Where(detailed.Contains), detailed);
        Assert.DoesNotContain("plain.example", detailed);
    }

    [Fact]
    public void Each_channel_s_glance_tells_its_connections_and_command_lines()
    {
        var events = new[]
        {
            Events.At(Events.T0, url: "none.example"),
            Events.At(Events.T0, url: "one.example") with { ProcessCommandLine = "curl https://one.example" },
            Events.At(Events.T0.AddSeconds(1), url: "one.example") with { ProcessCommandLine = "curl https://one.example" },
            Events.At(Events.T0.AddSeconds(2), url: "one.example") with { ProcessCommandLine = "curl https://one.example" },
            Events.At(Events.T0, url: "two.example") with { ProcessCommandLine = "a.exe -x" },
            Events.At(Events.T0.AddSeconds(1), url: "two.example") with { ProcessCommandLine = "a.exe -y" },
        };

        var table = Group(events).Channels;

        var glances = table.All.ToArray().Zip(table.Glances.ToArray()).ToDictionary(p => p.First.Key.Destination, p => p.Second);
        Assert.Equal(new ChannelGlance(1, 0, null), glances["none.example"]);
        Assert.Equal(new ChannelGlance(3, 1, "curl https://one.example"), glances["one.example"]);
        Assert.Equal(2, glances["two.example"].Connections);
        Assert.Equal(2, glances["two.example"].CommandLines);
        Assert.Contains(glances["two.example"].FirstCommandLine, new[] { "a.exe -x", "a.exe -y" });
    }

    [Fact]
    public void Failures_and_inspections_join_the_channel_without_being_timed()
    {
        var events = new[]
        {
            Events.At(Events.T0, url: "a.example"),
            Events.At(Events.T0.AddSeconds(1), action: "ConnectionFailed", url: "a.example"),
            Events.At(Events.T0.AddSeconds(2), action: "HttpConnectionInspected") with { DestinationHost = "a.example", UserAgent = "HttpBrowser/1.0", HttpMethod = "GET" },
        };

        var set = Group(events);

        var series = Assert.Single(set.Channels).Value;
        Assert.Equal(1, series.Count);
        Assert.Equal(1, series.Failed);
        Assert.Equal(1, series.UserAgents["HttpBrowser/1.0"]);
        Assert.Equal(1, set.EventsWith(ChannelRole.Connection));
        Assert.Equal(1, set.EventsWith(ChannelRole.Failed));
        Assert.Equal(1, set.EventsWith(ChannelRole.Inspection));
    }

    [Fact]
    public void The_window_ends_at_the_latest_event_and_what_falls_before_is_counted()
    {
        // Three days of hourly connections; a 24 h window keeps (latest - 24 h, latest].
        var events = Events.Series(Events.T0, 72, 3600);

        var set = Group(events);

        var series = Assert.Single(set.Channels).Value;
        Assert.Equal(24, series.Count);
        Assert.Equal(48, set.OutsideWindow);
        Assert.Equal(Events.T0.AddHours(71).Ticks, set.AsOfTicks);
        Assert.Equal(Events.T0.Ticks, set.EarliestTicks);
    }

    [Fact]
    public void An_explicit_as_of_drops_later_events()
    {
        var set = Group(Events.Series(Events.T0, 10, 3600), asOf: Events.T0.AddHours(4.5));

        Assert.Equal(5, Assert.Single(set.Channels).Value.Count);
        Assert.Equal(5, set.OutsideWindow);
    }

    [Fact]
    public void Connections_come_out_in_time_order_whatever_the_reading_order()
    {
        var events = Events.Series(Events.T0, 50, 60).Reverse();

        var series = Assert.Single(Group(events).Channels).Value;

        var ticks = series.Connections.ToArray().Select(c => c.Ticks).ToArray();
        Assert.Equal(ticks.Order(), ticks);
    }

    [Fact]
    public void A_strobe_is_counted_beyond_the_limit_but_not_stored()
    {
        using var grouping = new ChannelGrouping(Scope, TimeSpan.FromHours(24), null, new ChannelLimits(MaxConnections: 100));
        foreach (var e in Events.Series(Events.T0, 250, 1))
            grouping.Accept(e);

        var series = Assert.Single(grouping.Complete(null).Channels).Value;

        Assert.Equal(100, series.Count);
        Assert.Equal(150, series.Overflow);
    }

    [Fact]
    public void Every_device_seen_counts_for_prevalence_even_without_web_traffic()
    {
        var events = new[] { Events.At(Events.T0, device: "a"), Events.At(Events.T0, device: "b", port: 22) };

        var set = Group(events);

        Assert.Equal(2, set.Devices.Count);
        Assert.Single(set.Channels);
    }
}
