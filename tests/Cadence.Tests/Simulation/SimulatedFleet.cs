using Cadence.Simulation;
using Cadence.Sources;
using Cadence.Sources.Internals;
using Cadence.Telemetry;

namespace Cadence.Tests.Simulation;

/// <summary>
/// One small fleet (20 devices, Monday and Tuesday, seed 42) simulated in both formats and read
/// back with Cadence's own reader, shared by the tests that check it.
/// </summary>
public sealed class SimulatedFleet : IDisposable
{
    public const int Devices = 20;
    public const int Days = 2;
    public const long Seed = 42;

    private readonly TempFiles _temp = new();

    public SimulatedFleet()
    {
        DefenderResult = FleetSimulator.Run(Options(SimulationFormat.Defender, "defender"));
        ZeekResult = FleetSimulator.Run(Options(SimulationFormat.Zeek, "zeek"));
        (DefenderEvents, DefenderLog) = Read(DataFiles(DefenderResult));
        (ZeekEvents, ZeekLog) = Read(DataFiles(ZeekResult));
    }

    public SimulationOptions Options(SimulationFormat format, string folder, long seed = Seed) =>
        new(Devices, Days, seed, format, Path.Combine(_temp.Root, folder));

    public string Root => _temp.Root;

    public SimulationResult DefenderResult { get; }

    public SimulationResult ZeekResult { get; }

    public List<NetworkEvent> DefenderEvents { get; }

    public IngestLog DefenderLog { get; }

    public List<NetworkEvent> ZeekEvents { get; }

    public IngestLog ZeekLog { get; }

    /// <summary>The data files of a result (labels.csv is not telemetry: the reader would refuse it).</summary>
    public static string[] DataFiles(SimulationResult result) =>
        [.. result.Files.Select(f => f.Path).Where(p => Path.GetFileName(p) != "labels.csv")];

    public static (List<NetworkEvent> Events, IngestLog Log) Read(IEnumerable<string> paths)
    {
        var log = new IngestLog();
        using var pool = new StringPool();
        var events = new TelemetryReader(new ReadContext(log, pool)).Read(paths).ToList();
        return (events, log);
    }

    public void Dispose() => _temp.Dispose();
}
