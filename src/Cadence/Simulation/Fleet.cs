using System.Globalization;

namespace Cadence.Simulation;

internal enum DeviceKind
{
    /// <summary>Always on; its user comes and goes.</summary>
    Desktop,

    /// <summary>Awake only while its user works (it sleeps when the lid closes).</summary>
    Laptop,

    /// <summary>Always on, no interactive user: agents and updates only.</summary>
    Server,
}

internal enum AccountKind
{
    User,
    System,
    NetworkService,
    LocalService,
}

/// <summary>An executable as a profile names it; <c>{user}</c> in the command line becomes the device's user.</summary>
internal sealed record ProcessSpec(string FileName, string CommandLine, AccountKind Account);

/// <summary>A running process on one device, as Defender's InitiatingProcess* columns show it.</summary>
internal sealed record SimulatedProcess(string FileName, long ProcessId, string CommandLine, string AccountName);

/// <summary>One simulated machine: its names, address, user and the hours it is awake and used.</summary>
internal sealed class SimulatedDevice
{
    private readonly Dictionary<ProcessSpec, SimulatedProcess> _processes = [];
    private readonly long _seed;

    public SimulatedDevice(long seed, int index, string shortName, DeviceKind kind, string user, string browser)
    {
        _seed = seed;
        Index = index;
        Kind = kind;
        User = user;
        Browser = browser;
        DeviceName = $"{shortName}.contoso.local";
        DeviceId = Fingerprints.Synthetic($"device {seed} {index}") + SimulationRandom.Hash(seed, shortName).ToString("x16", CultureInfo.InvariantCulture)[..8];
        // 10.20.0.0/16 holds up to 51,200 devices, 200 a /24 (.20 to .219): enough for SimulationOptions.MaxDevices.
        IPAddress = $"10.20.{index / 200}.{20 + index % 200}";
    }

    public int Index { get; }

    public DeviceKind Kind { get; }

    /// <summary>Defender's DeviceName (a lower-case FQDN).</summary>
    public string DeviceName { get; }

    /// <summary>Defender's DeviceId (40 hex digits).</summary>
    public string DeviceId { get; }

    /// <summary>The device's private address: Defender's LocalIP and Zeek's id.orig_h.</summary>
    public string IPAddress { get; }

    /// <summary>The interactive user's account name; empty on servers.</summary>
    public string User { get; }

    /// <summary>The browser the user runs: chrome.exe or msedge.exe.</summary>
    public string Browser { get; }

    public ActivityWindows Online { get; set; } = ActivityWindows.Always(0, 0);

    public ActivityWindows UserActive { get; set; } = ActivityWindows.Always(0, 0);

    /// <summary>The running instance of a process on this device: one process id per executable, as long as the run lasts.</summary>
    public SimulatedProcess Process(ProcessSpec spec)
    {
        if (_processes.TryGetValue(spec, out var process))
            return process;
        var hash = SimulationRandom.Hash(_seed, $"{DeviceName}|{spec.FileName}|{spec.CommandLine}");
        var account = spec.Account switch
        {
            AccountKind.User when User.Length > 0 => User,
            AccountKind.NetworkService => "network service",
            AccountKind.LocalService => "local service",
            _ => "system",
        };
        var commandLine = spec.CommandLine.Replace("{user}", User.Length > 0 ? User : "svc-app", StringComparison.Ordinal);
        // Windows process ids are multiples of 4.
        process = new SimulatedProcess(spec.FileName, 4 * (100 + (long)(hash % 9000)), commandLine, account);
        _processes[spec] = process;
        return process;
    }
}

/// <summary>Builds the fleet: device names, kinds, users, and each device's working hours.</summary>
internal static class FleetBuilder
{
    private static readonly string[] Departments = ["fin", "hr", "eng", "sales", "ops", "it", "legal", "mkt"];
    private static readonly string[] ServerRoles = ["app", "db", "file", "web", "print", "sql", "build"];
    private static readonly string[] FirstInitials = ["a", "b", "c", "d", "e", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "y"];
    private static readonly string[] Surnames =
    [
        "smith", "jones", "garcia", "miller", "davis", "lopez", "wilson", "anderson", "thomas", "taylor", "moore", "martin",
        "lee", "perez", "white", "harris", "clark", "lewis", "robinson", "walker", "young", "allen", "king", "wright",
        "scott", "torres", "nguyen", "hill", "flores", "green", "adams", "nelson", "baker", "hall", "rivera", "campbell",
        "mitchell", "carter", "roberts", "patel", "kim", "novak", "schmidt", "muller", "rossi", "dubois", "silva", "tanaka",
    ];

    /// <summary>
    /// The devices, in index order. <paramref name="forcedDesktops"/> are made desktops whatever the
    /// draw says: implants sit on always-on workstations so a channel runs the whole day.
    /// </summary>
    public static List<SimulatedDevice> Build(long seed, int count, IReadOnlySet<int> forcedDesktops, IReadOnlySet<int> forcedChrome, long start, long end)
    {
        var random = SimulationRandom.For(seed, -1, 1);
        var devices = new List<SimulatedDevice>(count);
        var perPrefix = new Dictionary<string, int>(StringComparer.Ordinal);
        var users = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var roll = random.NextDouble();
            var kind = forcedDesktops.Contains(i) ? DeviceKind.Desktop
                : roll < 0.08 ? DeviceKind.Server : roll < 0.45 ? DeviceKind.Desktop : DeviceKind.Laptop;
            var prefix = kind == DeviceKind.Server ? $"srv-{random.Pick(ServerRoles)}" : $"ws-{random.Pick(Departments)}";
            perPrefix[prefix] = perPrefix.GetValueOrDefault(prefix) + 1;
            var shortName = kind == DeviceKind.Server
                ? $"{prefix}-{perPrefix[prefix]:00}"
                : $"{prefix}-{perPrefix[prefix]:000}";
            var user = string.Empty;
            if (kind != DeviceKind.Server)
            {
                var baseName = random.Pick(FirstInitials) + random.Pick(Surnames);
                user = baseName;
                for (var n = 2; !users.Add(user); n++)
                    user = baseName + n.ToString(CultureInfo.InvariantCulture);
            }
            var browser = random.Chance(0.65) || forcedChrome.Contains(i) ? "chrome.exe" : "msedge.exe";
            var device = new SimulatedDevice(seed, i, shortName, kind, user, browser);
            (device.Online, device.UserActive) = Timelines(SimulationRandom.For(seed, i, 0), kind, start, end);
            devices.Add(device);
        }
        return devices;
    }

    /// <summary>
    /// When a device is awake and when its user is at it, day by day (UTC is the office's local
    /// time): weekdays from about 08:30 to 17:30 with a lunch break, an evening session on some
    /// laptops, rare weekend work, the odd day off.
    /// </summary>
    private static (ActivityWindows Online, ActivityWindows Active) Timelines(SimulationRandom random, DeviceKind kind, long start, long end)
    {
        if (kind == DeviceKind.Server)
            return (ActivityWindows.Always(start, end), new ActivityWindows([]));

        var active = new List<(long, long)>();
        for (var day = new DateTime(start, DateTimeKind.Utc).Date; day.Ticks < end; day = day.AddDays(1))
        {
            static long At(DateTime day, double hours) => day.Ticks + (long)(hours * TimeSpan.TicksPerHour);
            if (day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday)
            {
                if (random.Chance(0.1))
                {
                    var from = random.Uniform(10, 15);
                    active.Add((At(day, from), At(day, from + random.Uniform(1, 3))));
                }
                continue;
            }
            if (random.Chance(0.05))
                continue; // a day off
            var arrive = Math.Clamp(random.Normal(8.4, 0.5), 6.5, 10.5);
            var leave = Math.Clamp(random.Normal(17.4, 0.6), arrive + 4, 20);
            var lunch = Math.Clamp(random.Normal(12.3, 0.3), arrive + 1, leave - 1.5);
            var lunchEnd = lunch + random.Uniform(0.5, 1);
            active.Add((At(day, arrive), At(day, lunch)));
            active.Add((At(day, lunchEnd), At(day, leave)));
            if (kind == DeviceKind.Laptop && random.Chance(0.2))
            {
                var evening = random.Uniform(19.5, 21);
                active.Add((At(day, evening), At(day, evening + random.Uniform(0.5, 2))));
            }
        }
        var clipped = active.Select(w => (Math.Max(w.Item1, start), Math.Min(w.Item2, end))).ToList();
        var activeWindows = new ActivityWindows(clipped);
        if (kind == DeviceKind.Desktop)
            return (ActivityWindows.Always(start, end), activeWindows);
        // A laptop wakes a little before its user starts and sleeps a little after they stop.
        var awake = clipped.Select(w => (Math.Max(start, w.Item1 - 15 * TimeSpan.TicksPerMinute), Math.Min(end, w.Item2 + 10 * TimeSpan.TicksPerMinute)));
        return (new ActivityWindows(awake), activeWindows);
    }
}
