namespace Cadence.Simulation;

/// <summary>
/// A user browsing the web: sessions of page views while at the keyboard, each page view a
/// burst of connections to the site and the third parties it pulls in. Many destinations,
/// popularity Zipf-like, gaps heavy-tailed (Pareto): the bursty noise periodic channels hide in.
/// Browsers reuse connections (keep-alive, HTTP/2), so a page view opens only a few new ones.
/// </summary>
internal sealed class BrowsingChannel(SimulationProfile profile, IReadOnlyList<ServiceEndpoint> sites, IReadOnlyList<ServiceEndpoint> thirdParties)
    : ChannelGenerator(profile)
{
    public override IEnumerable<SimulatedConnection> Generate(ChannelContext context)
    {
        var random = context.Random;
        var device = context.Device;
        var owner = device.Process(BenignProcesses.BrowserOf(device));
        var userAgent = device.Browser == "chrome.exe" ? UserAgents.Chrome : UserAgents.Edge;
        // Each user has a few favourite sites on top of the fleet-wide popularity.
        var favourites = Enumerable.Range(0, 5).Select(_ => sites[random.Zipf(sites.Count, 1.05)]).ToArray();
        var t = context.Start;
        var last = long.MinValue;
        while (t < context.End)
        {
            if (!device.UserActive.Find(t, out var boundary))
            {
                if (boundary >= context.End)
                    yield break;
                t = boundary + Ticks(random.Uniform(10, 600));
                continue;
            }
            // A session: a few minutes of page views, then work elsewhere for a while.
            var sessionEnd = Math.Min(boundary, t + Ticks(random.LogNormal(300, 0.8)));
            while (t < sessionEnd)
            {
                var site = random.Chance(0.4) ? random.Pick(favourites) : sites[random.Zipf(sites.Count, 1.05)];
                if (site.Tls is null)
                    site = site with { UserAgent = userAgent };
                t = Math.Max(t, last + 10);
                foreach (var connection in PageView(context, owner, site, t))
                {
                    last = connection.Ticks;
                    yield return connection;
                }
                t = last + Ticks(random.Pareto(8, 1.3, 900));
            }
            t = Math.Max(t, last + 10) + Ticks(random.Exponential(40 * 60));
        }
    }

    private IEnumerable<SimulatedConnection> PageView(ChannelContext context, SimulatedProcess owner, ServiceEndpoint site, long t)
    {
        var random = context.Random;
        var count = 1 + random.Between(0, 2);
        for (var i = 0; i < count; i++)
        {
            yield return Connect(context, owner, site, t, Outcome(random));
            t += Ticks(random.Exponential(0.15)) + 10;
        }
        var extras = random.Between(0, 2);
        for (var i = 0; i < extras; i++)
        {
            yield return Connect(context, owner, random.Pick(thirdParties), t, Outcome(random));
            t += Ticks(random.Exponential(0.2)) + 10;
        }
    }

    private static ConnectionOutcome Outcome(SimulationRandom random)
    {
        var roll = random.NextDouble();
        return roll < 0.004 ? ConnectionOutcome.Failed : roll < 0.007 ? ConnectionOutcome.Attempt : ConnectionOutcome.Success;
    }
}

/// <summary>
/// An implant with no rhythm: connections at the times of a Poisson process while the device is
/// awake. What gives it away is not timing but what it sends (its user agent, its JA3).
/// </summary>
internal sealed class IrregularChannel(SimulationProfile profile, ProcessSpec process, ServiceEndpoint endpoint, PoissonInterval gaps)
    : ChannelGenerator(profile)
{
    public PoissonInterval Gaps { get; } = gaps;

    public override IEnumerable<SimulatedConnection> Generate(ChannelContext context)
    {
        var random = context.Random;
        var owner = context.Device.Process(process);
        var t = context.Start + Ticks(random.Uniform(0, Gaps.MeanGap));
        while (t < context.End)
        {
            if (!context.Device.Online.Find(t, out var boundary))
            {
                if (boundary >= context.End)
                    yield break;
                t = boundary + Ticks(Gaps.Next(random));
                continue;
            }
            var connection = Connect(context, owner, endpoint, t, random.Chance(0.03) ? ConnectionOutcome.Failed : ConnectionOutcome.Success);
            yield return connection;
            t = connection.Ticks + connection.DurationTicks + Ticks(Gaps.Next(random));
        }
    }
}

/// <summary>
/// A WebSocket C2: an HTTP GET that upgrades (101 Switching Protocols), then one connection held
/// open for hours carrying heartbeats and commands; when it drops, the implant reconnects.
/// </summary>
internal sealed class WebSocketChannel(SimulationProfile profile, ProcessSpec process, ServiceEndpoint endpoint) : ChannelGenerator(profile)
{
    public override IEnumerable<SimulatedConnection> Generate(ChannelContext context)
    {
        var random = context.Random;
        var owner = context.Device.Process(process);
        var t = context.Start + Ticks(random.Uniform(60, 1800));
        while (t < context.End)
        {
            if (!context.Device.Online.Find(t, out var boundary))
            {
                if (boundary >= context.End)
                    yield break;
                t = boundary + Ticks(random.Uniform(5, 120));
                continue;
            }
            // Held until the network drops it (hours), cut at the end of the run like a log rotation would.
            var held = Math.Min(random.LogNormal(3 * 3600, 0.6), (context.End - t) / (double)TimeSpan.TicksPerSecond);
            held = Math.Max(held, 1);
            // A 30 s heartbeat each way, and now and then a command and its output.
            var heartbeats = (long)(held / 30);
            var commands = random.Between(0, 6);
            var connection = Connect(context, owner, endpoint, t, ConnectionOutcome.Success, new TrafficOverride(
                Sent: 40 * heartbeats + commands * (long)random.LogNormal(3000, 1),
                Received: 40 * heartbeats + commands * (long)random.LogNormal(400, 0.5),
                DurationSeconds: held,
                Status: 101));
            yield return connection;
            t = connection.Ticks + connection.DurationTicks + Ticks(random.Uniform(5, 120));
        }
    }
}

/// <summary>
/// A one-shot PowerShell download cradle: a stage fetched once during the working day (a retry
/// or a second stage moments later on some runs), then nothing. Only its process command line
/// gives it away.
/// </summary>
internal sealed class DownloadCradleChannel(SimulationProfile profile, ProcessSpec process, ServiceEndpoint endpoint) : ChannelGenerator(profile)
{
    public override IEnumerable<SimulatedConnection> Generate(ChannelContext context)
    {
        var random = context.Random;
        var owner = context.Device.Process(process);
        var windows = context.Device.UserActive.Count > 0 ? context.Device.UserActive : context.Device.Online;
        var total = windows.TotalTicks;
        if (total <= 0)
            yield break;
        // A moment in the first day of the user's activity (a phishing document opened at work).
        var firstDay = windows.All.TakeWhile(w => w.Start < windows.All.First().Start + TimeSpan.TicksPerDay).ToList();
        var offset = (long)(random.NextDouble() * firstDay.Sum(w => w.End - w.Start));
        var t = firstDay[0].Start;
        foreach (var (start, end) in firstDay)
        {
            if (offset < end - start)
            {
                t = start + offset;
                break;
            }
            offset -= end - start;
        }
        var count = random.Chance(0.5) ? 1 : random.Between(2, 3);
        for (var i = 0; i < count && t < context.End; i++)
        {
            var connection = Connect(context, owner, endpoint, t, ConnectionOutcome.Success);
            yield return connection;
            t = connection.Ticks + connection.DurationTicks + Ticks(random.Uniform(2, 20));
        }
    }
}
