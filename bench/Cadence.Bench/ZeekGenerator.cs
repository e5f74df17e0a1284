using System.Globalization;
using System.Text;

namespace Cadence.Bench;

/// <summary>
/// Writes a synthetic Zeek conn.log in Zeek's native TSV form: the header block exactly as Zeek 5
/// writes it, records in the order Zeek logs them (when the connection ends), periodic beacon
/// series the seed rule finds, and the #close line.
/// </summary>
/// <remarks>
/// As with <see cref="Generator"/>, the fleet (originators, responders, channels, beacons) does
/// not depend on the row count and the output is a pure function of the seed. Addresses are
/// chosen so that their class is unambiguous: public responders avoid every special IPv4 range
/// (see <see cref="NewPublicIP"/>), private ones sit in RFC 1918 space, and IPv6 appears only as
/// link-local and multicast; so the SQL peer's address test (<see cref="ZeekRuleSql"/>) and
/// Cadence's classifier agree on every address in the file.
/// </remarks>
internal sealed class ZeekGenerator
{
    public const string Usage = "generate-zeek --rows N --out FILE [--seed N] [--originators N]";

    /// <summary>conn.log's columns as Zeek 5 logs them with the default scripts (RITA's test data has the same).</summary>
    public static readonly string[] Fields =
    [
        "ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service", "duration",
        "orig_bytes", "resp_bytes", "conn_state", "local_orig", "local_resp", "missed_bytes", "history",
        "orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes", "tunnel_parents",
    ];

    private static readonly string[] Types =
    [
        "time", "string", "addr", "port", "addr", "port", "enum", "string", "interval",
        "count", "count", "string", "bool", "bool", "count", "string",
        "count", "count", "count", "count", "set[string]",
    ];

    // 600 channels per originator keep every background (originator, responder, port) group at
    // 1M rows well above the rule's 900 s average interval: even the most popular responder gets
    // about 25 connections a day from one originator (an average interval near an hour).
    private const int ChannelsPerOriginator = 600;
    private const int PublicResponders = 20_000;
    private const int InternalServers = 300;
    private const int BeaconSeries = 150;
    private const int MaxEventsPerBeacon = 3_000;
    private const double MaxBeaconShare = 0.2;

    private static readonly DateTime Origin = new(2024, 3, 25, 8, 0, 0, DateTimeKind.Utc);
    private static readonly long SpanTicks = TimeSpan.FromHours(26).Ticks;

    private static readonly int[] BeaconIntervalsSeconds = [10, 30, 60, 60, 120, 300, 300, 600, 900, 900, 1800, 3600];
    private static readonly double[] BeaconJitters = [0, 0.02, 0.1, 0.2, 0.4];
    private static readonly int[] InternalPorts = [445, 389, 88, 135, 443, 8080, 3268, 22];
    private static readonly (int Port, Proto Proto)[] OtherPublicPorts =
        [(22, Proto.Tcp), (993, Proto.Tcp), (587, Proto.Tcp), (5228, Proto.Tcp), (3478, Proto.Udp), (8888, Proto.Tcp)];

    private readonly Random _rng;
    private readonly HashSet<string> _usedIPs = new(StringComparer.Ordinal);
    private readonly List<Originator> _originators = [];
    private readonly List<Responder> _responders = [];
    private readonly List<Channel> _channels = [];
    private int _backgroundChannels;

    // Fixed responders, by index into _responders.
    private int _firstInternal;
    private int[] _internalResolvers = [];
    private int[] _publicResolvers = [];
    private int[] _ntpServers = [];
    private int _mdns4, _mdns6, _ssdp, _netbiosBroadcast;

    private ZeekGenerator(int seed) => _rng = new Random(seed);

    public static int Run(Arguments args, TextWriter stdout)
    {
        var rows = args.Integer("rows", -1, 1, int.MaxValue);
        if (rows < 0)
            throw new UsageException("option --rows is required");
        var output = args.RequiredText("out");
        var seed = (int)args.Integer("seed", 1, int.MinValue, int.MaxValue);
        var originators = (int)args.Integer("originators", 400, 1, 60_000);
        args.RejectUnknown();
        if (args.Positionals.Count > 0)
            throw new UsageException($"unexpected argument '{args.Positionals[0]}'");

        var generator = new ZeekGenerator(seed);
        generator.BuildFleet(originators);
        var events = generator.PlaceEvents((int)rows, out var beaconSeries, out var beaconRows);
        var directory = Path.GetDirectoryName(Path.GetFullPath(output));
        if (directory is not null)
            Directory.CreateDirectory(directory);
        var maxTicks = generator.Write(events, output);

        var bytes = new FileInfo(output).Length;
        stdout.WriteLine(FormattableString.Invariant(
            $"wrote {rows:N0} conn.log records ({beaconRows:N0} in {beaconSeries} beacon series) to {output}"));
        stdout.WriteLine(FormattableString.Invariant(
            $"size: {bytes:N0} bytes ({bytes / 1048576.0:F1} MiB, {(double)bytes / rows:F0} bytes/record)"));
        stdout.WriteLine($"as-of (max ts): {IsoTime.Format(maxTicks)}");
        return 0;
    }

    private void BuildFleet(int originatorCount)
    {
        for (var i = 0; i < originatorCount; i++)
        {
            // Mostly one office subnet block, a home-office VPN pool and a lab network.
            var roll = i % 20;
            var v4 = roll < 15 ? string.Create(CultureInfo.InvariantCulture, $"10.20.{i / 200}.{i % 200 + 20}")
                : roll < 18 ? string.Create(CultureInfo.InvariantCulture, $"192.168.{1 + i % 4}.{20 + i % 200}")
                : string.Create(CultureInfo.InvariantCulture, $"172.{16 + i % 16}.{i % 250}.{10 + i % 240}");
            var v6 = string.Create(CultureInfo.InvariantCulture, $"fe80::{_rng.Next(0x1000, 0xffff):x}:{_rng.Next(0x100, 0xffff):x}:{_rng.Next(0x100, 0xffff):x}:{_rng.Next(0x100, 0xffff):x}");
            _originators.Add(new Originator(v4, v6));
        }

        for (var i = 0; i < PublicResponders; i++)
            _responders.Add(new Responder(NewPublicIP(), Local: false));
        _firstInternal = _responders.Count;
        for (var i = 0; i < InternalServers; i++)
            _responders.Add(new Responder(string.Create(CultureInfo.InvariantCulture, $"10.0.{i / 100}.{i % 100 + 10}"), Local: true));
        _internalResolvers = [Add("10.0.0.53", local: true), Add("10.0.0.54", local: true)];
        _publicResolvers = [Add("8.8.8.8", local: false), Add("1.1.1.1", local: false), Add("9.9.9.9", local: false)];
        _ntpServers = [.. Enumerable.Range(0, 12).Select(_ => Add(NewPublicIP(), local: false))];
        _mdns4 = Add("224.0.0.251", local: false);
        _mdns6 = Add("ff02::fb", local: false);
        _ssdp = Add("239.255.255.250", local: false);
        _netbiosBroadcast = Add("10.20.255.255", local: true);

        // Zipf-like popularity over public responders: a head of cloud endpoints every originator
        // reaches, a long tail seen by one originator each.
        var popularity = new double[PublicResponders];
        var total = 0.0;
        for (var i = 0; i < PublicResponders; i++)
            popularity[i] = total += 1.0 / Math.Pow(i + 1, 0.8);

        for (var o = 0; o < originatorCount; o++)
        {
            for (var c = 0; c < ChannelsPerOriginator; c++)
            {
                var weight = 0.5 + _rng.NextDouble();
                var kind = _rng.NextDouble();
                if (kind < 0.72)
                {
                    var responder = Pick(popularity, total * _rng.NextDouble());
                    var portRoll = _rng.NextDouble();
                    var (port, proto) = portRoll < 0.75 ? (443, Proto.Tcp)
                        : portRoll < 0.89 ? (80, Proto.Tcp)
                        : portRoll < 0.92 ? (8080, Proto.Tcp)
                        : portRoll < 0.95 ? (8443, Proto.Tcp)
                        : OtherPublicPorts[_rng.Next(OtherPublicPorts.Length)];
                    _channels.Add(new Channel(o, responder, port, proto, ChannelKind.Web, weight));
                }
                else if (kind < 0.84)
                {
                    var port = InternalPorts[_rng.Next(InternalPorts.Length)];
                    _channels.Add(new Channel(o, _firstInternal + _rng.Next(InternalServers), port, Proto.Tcp, ChannelKind.Internal, weight));
                }
                else if (kind < 0.92)
                {
                    // Lookups dominate a real conn.log: each resolver channel carries four times the traffic.
                    _channels.Add(new Channel(o, _internalResolvers[_rng.Next(_internalResolvers.Length)], 53, Proto.Udp, ChannelKind.Dns, weight * 4));
                }
                else if (kind < 0.94)
                {
                    _channels.Add(new Channel(o, _publicResolvers[_rng.Next(_publicResolvers.Length)], 53, Proto.Udp, ChannelKind.Dns, weight));
                }
                else if (kind < 0.96)
                {
                    _channels.Add(new Channel(o, _ntpServers[_rng.Next(_ntpServers.Length)], 123, Proto.Udp, ChannelKind.Ntp, weight));
                }
                else
                {
                    var which = _rng.Next(4);
                    var (responder, port) = which switch
                    {
                        0 => (_mdns4, 5353),
                        1 => (_mdns6, 5353),
                        2 => (_ssdp, 1900),
                        _ => (_netbiosBroadcast, 137),
                    };
                    _channels.Add(new Channel(o, responder, port, Proto.Udp, ChannelKind.Local, weight));
                }
            }
        }
        _backgroundChannels = _channels.Count;
    }

    private int Add(string ip, bool local)
    {
        _usedIPs.Add(ip);
        _responders.Add(new Responder(ip, local));
        return _responders.Count - 1;
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
                events[count++] = NewEvent(Micro(ticks), _channels.Count - 1);
            seriesWritten++;
        }
        beaconRows = count;

        var cumulative = new double[_backgroundChannels];
        var total = 0.0;
        for (var c = 0; c < _backgroundChannels; c++)
            cumulative[c] = total += _channels[c].Weight;
        while (count < rows)
        {
            var channel = Pick(cumulative, total * _rng.NextDouble());
            events[count++] = NewEvent(Micro((long)(_rng.NextDouble() * SpanTicks)), channel);
        }

        // Zeek logs a connection when it ends, so the file is in order of end time: ts (the start)
        // runs forwards with long connections logged late.
        var ends = new long[events.Length];
        for (var i = 0; i < events.Length; i++)
            ends[i] = events[i].Ticks + Math.Max(0, events[i].DurationMicros) * 10L;
        Array.Sort(ends, events);
        return events;
    }

    private Event NewEvent(long ticks, int channelIndex)
    {
        var channel = _channels[channelIndex];
        var state = StateFor(channel.Kind);
        var duration = DurationFor(channel.Kind, state);
        return new Event(ticks, channelIndex, duration, state);
    }

    private Channel NewBeaconChannel()
    {
        var originator = _rng.Next(_originators.Count);
        var portRoll = _rng.NextDouble();
        // 4444 is the decoy: periodic, but not a web port, so the rule must not report it.
        var port = portRoll < 0.55 ? 443 : portRoll < 0.75 ? 80 : portRoll < 0.85 ? 8080 : portRoll < 0.95 ? 8443 : 4444;
        var decoy = _rng.NextDouble();
        int responder;
        if (decoy < 0.05)
            responder = _firstInternal + _rng.Next(InternalServers);
        else
        {
            _responders.Add(new Responder(NewPublicIP(), Local: false));
            responder = _responders.Count - 1;
        }
        // Failed beacons (never answered) are periodic too, but not ConnectionSuccess.
        var kind = decoy is >= 0.05 and < 0.10 ? ChannelKind.FailedBeacon : ChannelKind.Beacon;
        return new Channel(originator, responder, port, Proto.Tcp, kind, 0);
    }

    private State StateFor(ChannelKind kind)
    {
        var roll = _rng.NextDouble();
        return kind switch
        {
            ChannelKind.Web => roll switch
            {
                < 0.80 => State.SF,
                < 0.85 => State.S0,
                < 0.87 => State.REJ,
                < 0.91 => State.RSTO,
                < 0.94 => State.RSTR,
                < 0.95 => State.S1,
                < 0.96 => State.SH,
                < 0.98 => State.OTH,
                < 0.99 => State.S3,
                < 0.995 => State.RSTOS0,
                _ => State.SHR,
            },
            ChannelKind.Internal => roll switch
            {
                < 0.85 => State.SF,
                < 0.90 => State.S0,
                < 0.95 => State.REJ,
                < 0.98 => State.RSTO,
                _ => State.RSTR,
            },
            ChannelKind.Dns or ChannelKind.Ntp => roll < 0.9 ? State.SF : State.S0,
            ChannelKind.Local => State.S0,
            ChannelKind.Beacon => roll < 0.97 ? State.SF : State.RSTO,
            _ => State.S0,
        };
    }

    /// <summary>Duration in microseconds, or -1 when Zeek logs it unset (a connection of a single packet).</summary>
    private int DurationFor(ChannelKind kind, State state)
    {
        switch (state)
        {
            case State.S0 or State.SH or State.SHR or State.RSTOS0:
                // Mostly a lone SYN or datagram; sometimes the retransmissions of 1 and 3 s.
                return _rng.NextDouble() < 0.7 ? -1 : (int)(_rng.NextDouble() < 0.5 ? 1_000_000 : 3_000_000) + _rng.Next(20_000);
            case State.REJ:
                return _rng.Next(50, 5_000);
        }
        return kind switch
        {
            ChannelKind.Dns => _rng.Next(300, 80_000),
            ChannelKind.Ntp => _rng.Next(5_000, 60_000),
            ChannelKind.Beacon => _rng.Next(80_000, 300_000),
            // Web and internal sessions: log-normal around a second, capped at half an hour.
            _ => (int)Math.Min(1_800_000_000, Math.Exp(13.8 + 1.6 * Gaussian())),
        };
    }

    private double Gaussian()
    {
        var u1 = 1.0 - _rng.NextDouble();
        var u2 = _rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    private long Write(Event[] events, string path)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 20);
        using var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 20);
        var first = events.Length > 0 ? Origin.Ticks + events[0].Ticks : Origin.Ticks;
        writer.Write("#separator \\x09\n");
        writer.Write("#set_separator\t,\n");
        writer.Write("#empty_field\t(empty)\n");
        writer.Write("#unset_field\t-\n");
        writer.Write("#path\tconn\n");
        writer.Write($"#open\t{HeaderTime(first)}\n");
        writer.Write($"#fields\t{string.Join('\t', Fields)}\n");
        writer.Write($"#types\t{string.Join('\t', Types)}\n");

        var line = new LineBuilder();
        var uid = new char[18];
        var maxTicks = 0L;
        var lastEnd = first;
        foreach (var e in events)
        {
            var channel = _channels[e.Channel];
            var originator = _originators[channel.Originator];
            var responder = _responders[channel.Responder];
            var ticks = Origin.Ticks + e.Ticks;
            maxTicks = Math.Max(maxTicks, ticks);
            lastEnd = Math.Max(lastEnd, ticks + Math.Max(0, e.DurationMicros) * 10L);
            var udp = channel.Proto == Proto.Udp;
            var v6 = responder.IP.Contains(':', StringComparison.Ordinal);

            // Single-packet connections have no duration and no payload counts in Zeek's log.
            var unset = e.DurationMicros < 0;
            long origBytes = 0, respBytes = 0;
            if (!unset)
                (origBytes, respBytes) = Payload(channel.Kind, e.State);
            var origPkts = unset ? 1 : Packets(origBytes, e.State, udp, responder: false);
            var respPkts = unset ? 0 : Packets(respBytes, e.State, udp, responder: true);
            var header = udp ? (v6 ? 48 : 28) : 52;

            var origPort = channel.Kind == ChannelKind.Local && channel.Port != 1900 ? channel.Port
                : channel.Kind == ChannelKind.Ntp ? 123
                : 49152 + _rng.Next(16384);

            line.Clear();
            line.Seconds(ticks - DateTime.UnixEpoch.Ticks).Tab();
            Uid(uid);
            line.Text(new string(uid)).Tab()
                .Text(v6 ? originator.LinkLocal : originator.IP).Tab()
                .Number(origPort).Tab()
                .Text(responder.IP).Tab()
                .Number(channel.Port).Tab()
                .Text(udp ? "udp" : "tcp").Tab()
                .Text(Service(channel, e.State)).Tab();
            if (unset)
                line.Text("-\t-\t-\t");
            else
                line.Seconds(e.DurationMicros * 10L).Tab().Number(origBytes).Tab().Number(respBytes).Tab();
            line.Text(StateName(e.State)).Tab()
                .Text("T").Tab()
                .Text(responder.Local ? "T" : "F").Tab()
                .Number(0).Tab()
                .Text(History(e.State, udp)).Tab()
                .Number(origPkts).Tab()
                .Number(origBytes + origPkts * header).Tab()
                .Number(respPkts).Tab()
                .Number(respBytes + respPkts * header).Tab()
                .Text("-");
            line.NewLine();
            writer.Write(line.Span);
        }
        writer.Write($"#close\t{HeaderTime(lastEnd)}\n");
        return maxTicks;
    }

    private (long Orig, long Resp) Payload(ChannelKind kind, State state)
    {
        switch (state)
        {
            case State.REJ or State.S0 or State.SH or State.SHR or State.RSTOS0:
                return (0, 0);
        }
        return kind switch
        {
            ChannelKind.Dns => (_rng.Next(28, 60), _rng.Next(44, 300)),
            ChannelKind.Ntp => (48, 48),
            // An implant's check-in: the same small request and answer every time, give or take padding.
            ChannelKind.Beacon => (310 + _rng.Next(16), 1_210 + _rng.Next(64)),
            _ => ((long)Math.Exp(6.5 + 1.2 * Gaussian()), (long)Math.Exp(8.5 + 2.0 * Gaussian())),
        };
    }

    private static long Packets(long bytes, State state, bool udp, bool responder)
    {
        if (udp)
            return responder && state != State.SF ? 0 : 1 + bytes / 1400;
        return state switch
        {
            State.REJ => 1,
            State.S0 or State.SH or State.RSTOS0 => responder ? 0 : 1,
            State.SHR => responder ? 1 : 0,
            _ => 2 + bytes / 1400,
        };
    }

    private static string Service(Channel channel, State state)
    {
        if (state is not (State.SF or State.S1 or State.S3 or State.RSTO or State.RSTR))
            return channel.Kind is ChannelKind.Dns ? "dns" : "-";
        return channel.Port switch
        {
            443 or 8443 => "ssl",
            80 or 8080 => "http",
            53 or 5353 => "dns",
            123 => "ntp",
            22 => "ssh",
            _ => "-",
        };
    }

    private static string StateName(State state) => state.ToString();

    private static string History(State state, bool udp) => udp
        ? state == State.SF ? "Dd" : "D"
        : state switch
        {
            State.SF => "ShADadFf",
            State.S0 => "S",
            State.REJ => "Sr",
            State.RSTO => "ShADadR",
            State.RSTR => "ShADadr",
            State.S1 => "ShADad",
            State.SH => "SF",
            State.SHR => "Hf",
            State.OTH => "^dA",
            State.S3 => "ShADadf",
            State.RSTOS0 => "SR",
            _ => "-",
        };

    /// <summary>A connection uid as Zeek writes them: 'C' and 17 base-62 characters.</summary>
    private void Uid(char[] uid)
    {
        const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        uid[0] = 'C';
        var bits = (ulong)_rng.NextInt64();
        var more = (ulong)_rng.NextInt64();
        for (var i = 1; i < uid.Length; i++)
        {
            if (i == 10)
                bits = more;
            uid[i] = Alphabet[(int)(bits % 62)];
            bits /= 62;
        }
    }

    private static string HeaderTime(long ticks) =>
        new DateTime(ticks, DateTimeKind.Utc).ToString("yyyy-MM-dd-HH-mm-ss", CultureInfo.InvariantCulture);

    private static long Micro(long ticks) => ticks - ticks % 10;

    private string NewPublicIP()
    {
        while (true)
        {
            var a = _rng.Next(1, 224);
            var b = _rng.Next(256);
            // Every IPv4 range that is not plainly Public is left out (private, loopback, CGNAT,
            // link-local, documentation, benchmarking, IETF), whole first octets at a time.
            if (a is 10 or 100 or 127 or 169 or 192 or 198 or 203 || (a == 172 && b is >= 16 and <= 31))
                continue;
            var ip = string.Create(CultureInfo.InvariantCulture, $"{a}.{b}.{_rng.Next(256)}.{_rng.Next(1, 255)}");
            if (_usedIPs.Add(ip))
                return ip;
        }
    }

    /// <summary>Index of the first cumulative weight above <paramref name="target"/>.</summary>
    private static int Pick(double[] cumulative, double target)
    {
        var index = Array.BinarySearch(cumulative, target);
        index = index < 0 ? ~index : index + 1;
        return Math.Min(index, cumulative.Length - 1);
    }

    private sealed record Originator(string IP, string LinkLocal);

    private sealed record Responder(string IP, bool Local);

    private enum ChannelKind { Web, Internal, Dns, Ntp, Local, Beacon, FailedBeacon }

    private enum Proto : byte { Tcp, Udp }

    // Zeek's own spellings: the names are written to the log as they are.
#pragma warning disable CA1707
    private enum State : byte { SF, S0, REJ, RSTO, RSTR, S1, SH, OTH, S3, RSTOS0, SHR }
#pragma warning restore CA1707

    private readonly record struct Channel(int Originator, int Responder, int Port, Proto Proto, ChannelKind Kind, double Weight);

    // 24 bytes a record: 5M records fit in 120 MB before they are sorted and written.
    private readonly record struct Event(long Ticks, int Channel, int DurationMicros, State State);
}
