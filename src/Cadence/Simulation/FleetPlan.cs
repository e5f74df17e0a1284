namespace Cadence.Simulation;

/// <summary>Every profile the simulator knows, benign then implants, with their parameters.</summary>
public static class SimulationProfiles
{
    public static IReadOnlyList<SimulationProfile> All { get; } =
        [.. BenignProfiles.All.Concat(ImplantProfiles.All).Select(g => g.Profile)];
}

/// <summary>Which channels run on which device: the fleet's layout, decided from the seed before any event is drawn.</summary>
internal sealed class FleetPlan
{
    private FleetPlan(List<SimulatedDevice> devices, List<(SimulatedDevice Device, ChannelGenerator Generator, int Stream)> channels)
    {
        Devices = devices;
        Channels = channels;
    }

    public IReadOnlyList<SimulatedDevice> Devices { get; }

    /// <summary>Every (device, generator) pair, with the id of its random stream.</summary>
    public IReadOnlyList<(SimulatedDevice Device, ChannelGenerator Generator, int Stream)> Channels { get; }

    public static FleetPlan Build(long seed, int deviceCount, long start, long end)
    {
        var layout = SimulationRandom.For(seed, -1, 0);
        var shuffled = Enumerable.Range(0, deviceCount).ToArray();
        for (var i = shuffled.Length - 1; i > 0; i--)
        {
            var j = layout.Between(0, i);
            (shuffled[i], shuffled[j]) = (shuffled[j], shuffled[i]);
        }

        // One implant per device while there are devices enough (a fleet smaller than the
        // implant list doubles up); the benign script goes on devices after them.
        var implants = ImplantProfiles.All;
        var implantDevice = implants.Select((_, k) => shuffled[k % deviceCount]).ToArray();
        var scriptCount = deviceCount >= 50 ? 2 : 1;
        var scriptDevices = Enumerable.Range(0, scriptCount).Select(k => shuffled[(implants.Count + k) % deviceCount]).ToHashSet();
        var forcedDesktops = implantDevice.Concat(scriptDevices).ToHashSet();
        var injected = ImplantProfiles.All.ToList().IndexOf(ImplantProfiles.BrowserInjected);
        var forcedChrome = new HashSet<int> { implantDevice[injected] };
        var devices = FleetBuilder.Build(seed, deviceCount, forcedDesktops, forcedChrome, start, end);

        var channels = new List<(SimulatedDevice, ChannelGenerator, int)>();
        foreach (var device in devices)
        {
            var random = SimulationRandom.For(seed, device.Index, 1);
            var workstation = device.Kind != DeviceKind.Server;
            var chromeInstalled = device.Browser == "chrome.exe" || random.Chance(0.3);
            var wanted = new Dictionary<ChannelGenerator, bool>
            {
                [BenignProfiles.MonitoringAgent] = random.Chance(0.95),
                [BenignProfiles.DefenderSensor] = true,
                [BenignProfiles.EdgeUpdate] = workstation || random.Chance(0.5),
                [BenignProfiles.GoogleUpdate] = workstation && chromeInstalled,
                [BenignProfiles.WindowsUpdate] = true,
                [BenignProfiles.DeliveryOptimization] = random.Chance(0.4),
                [BenignProfiles.OneDrive] = workstation && random.Chance(0.85),
                [BenignProfiles.Dropbox] = workstation && random.Chance(0.10),
                [BenignProfiles.Webmail] = workstation && random.Chance(0.60),
                [BenignProfiles.Teams] = workstation && random.Chance(0.45),
                [BenignProfiles.NewsRefresh] = workstation && random.Chance(0.08),
                [BenignProfiles.PythonPoller] = scriptDevices.Contains(device.Index),
                [BenignProfiles.Browsing] = workstation,
            };
            for (var b = 0; b < BenignProfiles.All.Count; b++)
            {
                if (wanted[BenignProfiles.All[b]])
                    channels.Add((device, BenignProfiles.All[b], 100 + b));
            }
            for (var k = 0; k < implants.Count; k++)
            {
                if (implantDevice[k] == device.Index)
                    channels.Add((device, implants[k], 200 + k));
            }
        }
        return new FleetPlan(devices, channels);
    }
}
