using System.Globalization;
namespace Cadence.Simulation;

/// <summary>What a channel generator draws on: the run's span, its device and its own random stream.</summary>
internal sealed record ChannelContext(long Seed, long Start, long End, SimulatedDevice Device, SimulationRandom Random);

/// <summary>What one connection overrides of its endpoint's usual traffic.</summary>
internal readonly record struct TrafficOverride(
    long? Sent = null, long? Received = null, double? DurationSeconds = null, string? Method = null, string? Uri = null, int? Status = null);

/// <summary>
/// Produces the connections of one profile on one device, in time order (each generator
/// yields non-decreasing start times, which lets the fleet be merged without sorting).
/// </summary>
internal abstract class ChannelGenerator(SimulationProfile profile)
{
    public SimulationProfile Profile { get; } = profile;

    public abstract IEnumerable<SimulatedConnection> Generate(ChannelContext context);

    public static long Ticks(double seconds) => (long)(seconds * TimeSpan.TicksPerSecond);

    /// <summary>Zeek logs whole microseconds; every simulated time is one, so both formats show the same instant.</summary>
    public static long Microseconds(long ticks) => ticks - ticks % 10;

    /// <summary>One connection to <paramref name="endpoint"/>: address, ports, sizes, and the HTTP or TLS details a success carries.</summary>
    protected SimulatedConnection Connect(
        ChannelContext context, SimulatedProcess process, ServiceEndpoint endpoint, long ticks, ConnectionOutcome outcome,
        TrafficOverride traffic = default)
    {
        var random = context.Random;
        var address = endpoint.Addresses.Length == 1 ? endpoint.Addresses[0] : random.Pick(endpoint.Addresses);
        var localPort = random.Between(49152, 65535);
        ticks = Microseconds(ticks);
        if (outcome != ConnectionOutcome.Success)
        {
            // Refused: answered by a RST at once. No answer: Windows gives up after its SYN retransmissions, about 21 s.
            var wait = outcome == ConnectionOutcome.Failed ? random.Uniform(0.0002, 0.05) : random.Uniform(20.9, 21.2);
            return new SimulatedConnection
            {
                Ticks = ticks, Device = context.Device, Process = process, Profile = Profile, Host = endpoint.Host,
                RemoteIP = address, RemotePort = endpoint.Port, LocalPort = localPort, Outcome = outcome,
                DurationTicks = Microseconds(Ticks(wait)),
            };
        }

        var sent = traffic.Sent ?? endpoint.Sent.Next(random);
        var received = traffic.Received ?? endpoint.Received.Next(random);
        var duration = traffic.DurationSeconds ?? random.LogNormal(endpoint.Duration, 0.35);
        HttpExchange? http = null;
        TlsHandshake? tls = null;
        var inspected = false;
        if (endpoint.Tls is { } client)
        {
            var resumed = endpoint.Resumption > 0 && random.Chance(endpoint.Resumption);
            var ja3 = client.PermutesPerHandshake
                ? Fingerprints.Synthetic(string.Create(CultureInfo.InvariantCulture, $"{client.Ja3[0]} {random.NextUInt64()}"))
                : client.Ja3.Length == 1 ? client.Ja3[0] : random.Pick(client.Ja3);
            tls = new TlsHandshake(endpoint.Host, client, ja3, endpoint.Ja3s, resumed);
            // TLS records and the handshake count in Zeek's payload bytes: ClientHello and key
            // exchange one way, ServerHello and (unless resumed) the certificate chain the other.
            sent += resumed ? 260 : 590;
            received += resumed ? 180 : 4230;
            inspected = random.Chance(endpoint.DefenderTlsInspection);
        }
        else
        {
            var method = traffic.Method ?? endpoint.Method;
            var uri = traffic.Uri ?? (endpoint.Uris.Length == 1 ? endpoint.Uris[0] : random.Pick(endpoint.Uris));
            var status = traffic.Status ?? endpoint.StatusCode;
            var requestBody = method == "GET" ? 0 : sent;
            // After a 101 the bytes are WebSocket frames, not an HTTP body.
            http = new HttpExchange(method, endpoint.Host, uri, endpoint.UserAgent, status, requestBody, status == 101 ? 0 : received);
            // Request line and headers (plus, after a 101, the WebSocket frames sent), response status line and headers.
            var frames = status == 101 ? sent : 0;
            sent = frames + requestBody + 120 + endpoint.Host.Length + uri.Length + endpoint.UserAgent.Length;
            received += 210;
        }
        return new SimulatedConnection
        {
            Ticks = ticks, Device = context.Device, Process = process, Profile = Profile, Host = endpoint.Host,
            RemoteIP = address, RemotePort = endpoint.Port, LocalPort = localPort, Outcome = outcome,
            SentBytes = sent, ReceivedBytes = received, DurationTicks = Math.Max(10, Microseconds(Ticks(duration))),
            Http = http, Tls = tls, DefenderInspectsTls = inspected,
        };
    }

    /// <summary>The windows a channel runs in on this device.</summary>
    protected static ActivityWindows WindowsFor(ChannelContext context, RunsWhen when) => when switch
    {
        RunsWhen.UserActive => context.Device.UserActive,
        RunsWhen.OfficeHours => ActivityWindows.OfficeHours(context.Start, context.End, 8, 18),
        _ => context.Device.Online,
    };
}

/// <summary>When a channel runs.</summary>
internal enum RunsWhen
{
    /// <summary>Whenever the device is awake: agents, sync clients, implants.</summary>
    Online,

    /// <summary>While the user is at the keyboard: browsers.</summary>
    UserActive,

    /// <summary>08:00 to 18:00, Monday to Friday, and the device awake.</summary>
    OfficeHours,
}

/// <summary>
/// How a periodic channel misbehaves: implants miss check-ins (the process was busy, the network
/// dropped), pull tasking in short bursts, and sometimes cannot connect.
/// </summary>
/// <param name="MissedCheckIn">Share of check-ins that never happen.</param>
/// <param name="Failure">Share of connections refused or unanswered.</param>
/// <param name="TaskingBurst">Share of check-ins followed by a burst of connections (tasking, results).</param>
internal sealed record Imperfections(double MissedCheckIn, double Failure, double TaskingBurst)
{
    public static readonly Imperfections Implant = new(0.02, 0.01, 0.01);
    public static readonly Imperfections Client = new(0.002, 0.003, 0);
}

/// <summary>
/// A channel that connects on a timer: every periodic implant and every benign poller (agents,
/// sync clients, updaters, browser auto-refresh). The wait is measured from the end of one
/// connection to the start of the next (an implant sleeps after its check-in completes) unless
/// <paramref name="startToStart"/> (a timer that fires regardless).
/// </summary>
internal sealed class PeriodicChannel(
    SimulationProfile profile, ProcessSpec process, ServiceEndpoint endpoint, IntervalModel interval, RunsWhen when,
    Imperfections imperfections, bool startToStart = false) : ChannelGenerator(profile)
{
    public IntervalModel Interval { get; } = interval;

    public ServiceEndpoint Endpoint { get; } = endpoint;

    public ProcessSpec ProcessSpec { get; } = process;

    public override IEnumerable<SimulatedConnection> Generate(ChannelContext context)
    {
        var random = context.Random;
        var owner = context.Device.Process(ProcessSpec == BenignProcesses.DeviceBrowser ? BenignProcesses.BrowserOf(context.Device) : ProcessSpec);
        var windows = WindowsFor(context, when);
        var device = context.Device.Online;
        var t = context.Start + Ticks(random.Uniform(0, Interval.Max));
        var last = long.MinValue;
        while (t < context.End)
        {
            // Runs only inside its own windows and while the device is awake.
            if (!windows.Find(t, out var boundary) || !device.Find(t, out boundary))
            {
                if (boundary >= context.End)
                    yield break;
                // The process starts with the machine (or the user's session) and fires its first connection soon after.
                t = boundary + Ticks(random.Uniform(1, Math.Min(Interval.Mean, 120)));
                continue;
            }
            t = Math.Max(t, last + 10);
            if (random.Chance(imperfections.MissedCheckIn))
            {
                t += Ticks(Interval.Next(random));
                continue;
            }
            var outcome = random.Chance(imperfections.Failure)
                ? (random.Chance(0.5) ? ConnectionOutcome.Failed : ConnectionOutcome.Attempt)
                : ConnectionOutcome.Success;
            var connection = Connect(context, owner, Endpoint, t, outcome);
            yield return connection;
            last = connection.Ticks;
            var finished = connection.Ticks + connection.DurationTicks;

            if (outcome == ConnectionOutcome.Success && random.Chance(imperfections.TaskingBurst))
            {
                // Tasking: the operator queued work; results go back in a few quick connections.
                var burst = random.Between(2, 6);
                for (var i = 0; i < burst; i++)
                {
                    var at = finished + Ticks(random.Uniform(0.3, 3));
                    var task = Connect(context, owner, Endpoint, at, ConnectionOutcome.Success, new TrafficOverride(
                        Sent: (long)random.LogNormal(Endpoint.Sent.Median * 4, 1.0),
                        Received: (long)random.LogNormal(60_000, 1.2),
                        Method: Endpoint.Tls is null ? "POST" : null));
                    yield return task;
                    last = task.Ticks;
                    finished = task.Ticks + task.DurationTicks;
                }
            }
            t = (startToStart ? t : finished) + Ticks(Interval.Next(random));
        }
    }
}
