namespace Cadence.Simulation;

/// <summary>The telemetry format the simulated fleet is written in.</summary>
public enum SimulationFormat
{
    /// <summary>DIR/DeviceNetworkEvents.csv, as Defender XDR advanced hunting exports it.</summary>
    Defender,

    /// <summary>DIR/conn.log, http.log and ssl.log, Zeek TSV.</summary>
    Zeek,
}

/// <summary>What to simulate and where to write it. The same options (seed included) give the same bytes.</summary>
/// <param name="Devices">Devices in the fleet, 1 to <see cref="MaxDevices"/>.</param>
/// <param name="Days">Days simulated from <see cref="Start"/>, 1 to <see cref="MaxDays"/>.</param>
/// <param name="Seed">Everything random derives from it.</param>
public sealed record SimulationOptions(int Devices, int Days, long Seed, SimulationFormat Format, string OutputDirectory)
{
    public const int MaxDays = 30;

    /// <summary>The fleet's devices share 10.20.0.0/16, 200 to a /24.</summary>
    public const int MaxDevices = 50_000;

    /// <summary>A Monday at midnight UTC: the first day is a working day.</summary>
    public static readonly DateTime DefaultStart = new(2026, 11, 30, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>UTC start of the simulated period; the office keeps UTC hours.</summary>
    public DateTime Start { get; init; } = DefaultStart;

    public DateTime End => Start.AddDays(Days);

    /// <summary>Every problem with the options at once; empty when they are usable. Does not touch the disk.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Devices < 1 || Devices > MaxDevices)
            problems.Add($"--devices must be between 1 and {MaxDevices:N0} (got {Devices})");
        if (Days < 1 || Days > MaxDays)
            problems.Add($"--days must be between 1 and {MaxDays} (got {Days})");
        if (!Enum.IsDefined(Format))
            problems.Add($"--format must be defender or zeek (got {Format})");
        if (string.IsNullOrWhiteSpace(OutputDirectory))
            problems.Add("--out must name a directory");
        if (Start.Kind != DateTimeKind.Utc)
            problems.Add("--start must be a UTC time");
        else if (Start.Ticks % 10 != 0)
            problems.Add("--start must be a whole microsecond (Zeek's resolution)");
        else if (Start.Year < 1971 || Start > DateTime.MaxValue.AddDays(-MaxDays - 1))
            problems.Add($"--start {Start:O} is outside the range of Zeek's epoch times");
        return problems;
    }
}

/// <summary>A file the simulator wrote.</summary>
/// <param name="Rows">Data rows, headers and Zeek's # lines not counted.</param>
public sealed record SimulatedFile(string Path, long Rows, long Bytes);

/// <summary>What a simulation wrote: the data files, then labels.csv, and the answer key it holds.</summary>
public sealed record SimulationResult(IReadOnlyList<SimulatedFile> Files, IReadOnlyList<ChannelLabel> Labels, long Connections)
{
    public int ImplantChannels => Labels.Count(l => l.Profile.Label == SimulationLabel.Implant);
}
