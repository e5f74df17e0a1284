using Cadence.Telemetry;

namespace Cadence.Sources.Sysmon;

/// <summary>
/// Links Sysmon network events (Event ID 3) to the process creation (Event ID 1) of the same
/// process, for one run, so each connection carries its process's command line. A process is
/// matched by ProcessGuid; an event without one falls back to host and process id.
/// </summary>
/// <remarks>
/// <para>
/// Event ID 1 usually comes first (wevtutil reads oldest first) but not always:
/// Get-WinEvent lists newest first, and exports filtered by event id put the connections in
/// one file and the process creations in another. A connection whose process is not known
/// yet is therefore held, not given out bare: when its process creation is read, it goes out
/// with the command line; whatever is still held once every input is read goes out without
/// one (<see cref="SysmonXmlFormat.Finish"/>). A connection is counted in its input's account
/// when read, whenever it goes out.
/// </para>
/// <para>
/// Memory is bounded twice. At most <see cref="MaxPending"/> connections wait (about 80 MB at
/// some 300 bytes an event); past that the connections that have waited longest go out without
/// a command line, because a process not seen by then most likely started before the log
/// began and will never be. At most <see cref="MaxProcesses"/> process creations and
/// <see cref="MaxCommandLineChars"/> characters of command line are kept; later ones still
/// release their waiting connections but are not kept for connections after them.
/// </para>
/// <para>Not thread-safe: formats read on the consuming thread, one input after the other.</para>
/// </remarks>
internal sealed class SysmonLinks
{
    internal const string LinkedNote = "network events given their process's command line (Sysmon Event ID 1)";
    internal const string NoProcessNote = "network events whose process creation (Event ID 1) was not among the inputs: no command line";
    internal const string EvictedNote = "network events given out before their process creation was read (too many waiting): no command line";
    internal const string UnlinkableNote = "network events with neither ProcessGuid nor ProcessId: no command line";
    internal const string NoCommandLineNote = "network events whose process creation carries no CommandLine";
    internal const string NotKeptNote = "process creations not kept for linking (link table full)";

    private readonly Dictionary<string, string> _byGuid = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<(string Computer, long ProcessId), string> _byProcessId = [];
    private long _keptChars;

    private readonly Dictionary<string, Waiting> _waitingByGuid = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<(string Computer, long ProcessId), Waiting> _waitingByProcessId = [];

    // Groups in the order their first connection arrived; a released group stays in the queue,
    // marked, until it reaches the front or the queue is compacted.
    private readonly Queue<Waiting> _waitingOrder = new();
    private int _waitingGroups;

    private readonly Dictionary<InputFile, InputIngest> _ingests = [];

    /// <summary>How many connections may wait for their process creation.</summary>
    internal int MaxPending { get; set; } = 1 << 18;

    internal int MaxProcesses { get; set; } = 1 << 20;

    internal long MaxCommandLineChars { get; set; } = 64L << 20;

    /// <summary>Connections waiting for their process creation now.</summary>
    internal int Pending { get; private set; }

    /// <summary>Makes an input's account reachable for notes on its events that go out later.</summary>
    public void Register(InputIngest ingest) => _ingests[ingest.Input] = ingest;

    /// <summary>A network event: added to <paramref name="ready"/> now when its process is known (or can never be), else held.</summary>
    public void Route(in NetworkEvent e, SysmonProcess process, List<NetworkEvent> ready)
    {
        if (process.Guid is null && process.ProcessId is null)
        {
            Give(e, null, UnlinkableNote, ready);
            return;
        }
        if (TryFind(process, out var commandLine))
        {
            Give(e, commandLine, NoCommandLineNote, ready);
            return;
        }

        Waiting? group;
        if (process.Guid is { } guid)
        {
            if (!_waitingByGuid.TryGetValue(guid, out group))
                _waitingByGuid[guid] = group = Enqueue();
        }
        else
        {
            var key = (process.Computer, process.ProcessId!.Value);
            if (!_waitingByProcessId.TryGetValue(key, out group))
                _waitingByProcessId[key] = group = Enqueue();
        }
        group.Key = process;
        group.Events.Add(e);
        Pending++;
        while (Pending > MaxPending && _waitingOrder.TryDequeue(out var oldest))
        {
            if (oldest.Released)
                continue;
            Forget(oldest);
            Release(oldest, null, EvictedNote, ready);
        }
    }

    /// <summary>A process creation: kept for the connections that follow, and releases those that came before it.</summary>
    public void Remember(SysmonProcess process, string? commandLine, InputIngest ingest, List<NetworkEvent> ready)
    {
        if (commandLine is not null)
            Keep(process, commandLine, ingest);
        if (process.Guid is { } guid && _waitingByGuid.Remove(guid, out var byGuid))
            Release(byGuid, commandLine, NoCommandLineNote, ready);
        if (process.ProcessId is { } pid && _waitingByProcessId.Remove((process.Computer, pid), out var byPid))
            Release(byPid, commandLine, NoCommandLineNote, ready);
    }

    /// <summary>Gives out every connection still waiting, in the order they first waited, and forgets the run's processes.</summary>
    public void Flush(List<NetworkEvent> ready)
    {
        while (_waitingOrder.TryDequeue(out var group))
        {
            if (!group.Released)
                Release(group, null, NoProcessNote, ready);
        }
        _waitingByGuid.Clear();
        _waitingByProcessId.Clear();
        _byGuid.Clear();
        _byProcessId.Clear();
        _keptChars = 0;
        _waitingGroups = 0;
    }

    private void Keep(SysmonProcess process, string commandLine, InputIngest ingest)
    {
        var fits = _keptChars + commandLine.Length <= MaxCommandLineChars;
        var kept = false;
        if (process.Guid is { } guid && fits && (_byGuid.Count < MaxProcesses || _byGuid.ContainsKey(guid)))
        {
            _byGuid[guid] = commandLine;
            kept = true;
        }
        // The latest process creation for an id wins: ids are reused once a process exits.
        var key = (process.Computer, process.ProcessId.GetValueOrDefault());
        if (process.ProcessId is not null && fits && (_byProcessId.Count < MaxProcesses || _byProcessId.ContainsKey(key)))
        {
            _byProcessId[key] = commandLine;
            kept = true;
        }
        if (kept)
            _keptChars += commandLine.Length;
        else
            ingest.Note(NotKeptNote);
    }

    private bool TryFind(SysmonProcess process, out string? commandLine)
    {
        // A ProcessGuid names one process instance: when the event has one, a match by id
        // alone could be an earlier process that had the same id, so it does not count.
        if (process.Guid is { } guid)
            return _byGuid.TryGetValue(guid, out commandLine);
        commandLine = null;
        return process.ProcessId is { } pid && _byProcessId.TryGetValue((process.Computer, pid), out commandLine);
    }

    private Waiting Enqueue()
    {
        var group = new Waiting();
        _waitingOrder.Enqueue(group);
        _waitingGroups++;
        // Released groups linger in the queue until they reach its front; when they outnumber
        // the waiting ones, drop them so the queue stays proportional to what actually waits.
        if (_waitingOrder.Count > 1024 && _waitingOrder.Count > 2 * _waitingGroups)
        {
            var live = _waitingOrder.Where(g => !g.Released).ToList();
            _waitingOrder.Clear();
            foreach (var g in live)
                _waitingOrder.Enqueue(g);
        }
        return group;
    }

    private void Forget(Waiting group)
    {
        if (group.Key.Guid is { } guid)
            _waitingByGuid.Remove(guid);
        else if (group.Key.ProcessId is { } pid)
            _waitingByProcessId.Remove((group.Key.Computer, pid));
    }

    private void Release(Waiting group, string? commandLine, string noteIfNone, List<NetworkEvent> ready)
    {
        foreach (var e in group.Events)
            Give(e, commandLine, noteIfNone, ready);
        Pending -= group.Events.Count;
        group.Events = [];
        group.Released = true;
        _waitingGroups--;
    }

    private void Give(in NetworkEvent e, string? commandLine, string noteIfNone, List<NetworkEvent> ready)
    {
        ready.Add(commandLine is null ? e : e with { ProcessCommandLine = commandLine });
        if (_ingests.TryGetValue(e.Provenance.Input, out var ingest))
            ingest.Note(commandLine is null ? noteIfNone : LinkedNote);
    }

    /// <summary>Connections of one process waiting for its process creation, in the order read.</summary>
    private sealed class Waiting
    {
        public List<NetworkEvent> Events { get; set; } = [];

        public SysmonProcess Key { get; set; }

        public bool Released { get; set; }
    }
}
