using Cadence.Telemetry;

namespace Cadence.Sources.Defender;

/// <summary>
/// Gives HttpConnectionInspected and SslConnectionInspected rows the process of the connection
/// they inspected. Defender logs the inspection as a row of its own, usually without the
/// initiating process; the ConnectionSuccess row of the same connection (same device, remote
/// address and port, local port) has it.
/// </summary>
/// <remarks>
/// Indexing every connection to serve a few inspected rows would cost memory per row, so the
/// inspected rows that lack a process are held (they are few), and at the end the inputs that
/// had any are read once more, looking only for those connections. Standard input cannot be read
/// twice: its held rows go out without a process, and the input's account says so.
/// </remarks>
internal sealed class DefenderProcessJoin
{
    // A connection and its inspection are logged within moments; beyond this they are not the same one.
    private static readonly long MaxSkewTicks = TimeSpan.FromMinutes(5).Ticks;

    private readonly Lock _lock = new();
    private readonly List<NetworkEvent> _held = [];

    /// <summary>Set on the scratch run that looks for the connections: it must not hold rows of its own.</summary>
    private bool _finding;

    public static bool Wants(in NetworkEvent e) =>
        e.InitiatingProcessFileName.Length == 0
        && (e.ActionType == "HttpConnectionInspected" || e.ActionType == "SslConnectionInspected");

    /// <summary>Holds an inspected row that lacks its process until <see cref="Release"/>; false for every other event.</summary>
    public static bool TryHold(in NetworkEvent e, ReadContext context)
    {
        if (!Wants(e))
            return false;
        var join = context.StateOf<DefenderProcessJoin>();
        if (join._finding)
            return false;
        lock (join._lock)
            join._held.Add(e);
        return true;
    }

    public IEnumerable<NetworkEvent> Release(ReadContext context)
    {
        List<NetworkEvent> held;
        lock (_lock)
        {
            held = [.. _held];
            _held.Clear();
        }
        var ingests = context.Log.Inputs.ToDictionary(i => i.Input);
        foreach (var byInput in held.GroupBy(e => e.Provenance.Input))
        {
            // Only a regular file can be read a second time (not stdin, not a FIFO, which report no size).
            var readable = byInput.Key.DisplayName != "-" && File.Exists(byInput.Key.DisplayName) && new FileInfo(byInput.Key.DisplayName).Length > 0;
            var matches = readable ? FindConnections(byInput.Key.DisplayName, byInput, context) : [];
            var joined = 0;
            foreach (var e in byInput.OrderBy(e => e.Provenance.Line))
            {
                if (matches.TryGetValue(Key(e), out var candidates) && Nearest(candidates, e.TimestampTicks) is { } match)
                {
                    joined++;
                    yield return e with
                    {
                        InitiatingProcessFileName = match.Process,
                        ProcessId = match.ProcessId ?? e.ProcessId,
                        ProcessCommandLine = match.CommandLine ?? e.ProcessCommandLine,
                    };
                }
                else
                {
                    yield return e;
                }
            }
            if (ingests.TryGetValue(byInput.Key, out var ingest))
            {
                ingest.Note("inspected rows given the process of their connection", joined);
                if (byInput.Count() > joined)
                    ingest.Note("inspected rows whose connection row was not found (process left empty)", byInput.Count() - joined);
            }
        }
    }

    private static Dictionary<(string, string, int, int?), List<Connection>> FindConnections(
        string path, IEnumerable<NetworkEvent> wanted, ReadContext context)
    {
        var keys = wanted.Select(Key).ToHashSet();
        var found = new Dictionary<(string, string, int, int?), List<Connection>>();
        // A scratch run over the same input, whatever its format: its account is thrown away
        // (the rows were counted the first time) and it holds nothing of its own.
        var scratch = new ReadContext(new IngestLog(), context.Pool) { DegreeOfParallelism = 1 };
        scratch.StateOf<DefenderProcessJoin>()._finding = true;
        foreach (var e in new TelemetryReader(scratch).Read([path]))
        {
            if (e.InitiatingProcessFileName.Length == 0 || !keys.Contains(Key(e)))
                continue;
            if (!found.TryGetValue(Key(e), out var list))
                found[Key(e)] = list = [];
            list.Add(new Connection(e.TimestampTicks, e.InitiatingProcessFileName, e.ProcessId, e.ProcessCommandLine));
        }
        return found;
    }

    private static (string, string, int, int?) Key(NetworkEvent e) => (e.DeviceName, e.RemoteIP, e.RemotePort, e.LocalPort);

    private static Connection? Nearest(List<Connection> candidates, long ticks)
    {
        Connection? best = null;
        foreach (var c in candidates)
        {
            var skew = Math.Abs(c.Ticks - ticks);
            if (skew <= MaxSkewTicks && (best is null || skew < Math.Abs(best.Ticks - ticks)))
                best = c;
        }
        return best;
    }

    private sealed record Connection(long Ticks, string Process, long? ProcessId, string? CommandLine);

}
