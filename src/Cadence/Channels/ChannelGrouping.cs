using Cadence.Sources.Internals;
using Cadence.Telemetry;

namespace Cadence.Channels;

/// <summary>The channels of a run, and the account of every event that did not become part of one.</summary>
public sealed class ChannelSet
{
    internal ChannelSet(ChannelTable channels, long[] byRole, long outsideWindow, HashSet<string> devices, long asOfTicks, long windowTicks, long earliestTicks)
    {
        EarliestTicks = earliestTicks;
        Channels = channels;
        ByRole = byRole;
        OutsideWindow = outsideWindow;
        Devices = devices;
        AsOfTicks = asOfTicks;
        WindowTicks = windowTicks;
    }

    /// <summary>Keyed by (device, process, destination); the port is not part of the key (-1).</summary>
    public ChannelTable Channels { get; }

    /// <summary>Events by <see cref="ChannelRole"/>, before the window is applied.</summary>
    public IReadOnlyList<long> ByRole { get; }

    public long EventsWith(ChannelRole role) => ByRole[(int)role];

    /// <summary>Connections outside (as-of - window, as-of].</summary>
    public long OutsideWindow { get; }

    /// <summary>Every device seen in any event, in scope or not: the fleet prevalence is measured against.</summary>
    public IReadOnlySet<string> Devices { get; }

    public long AsOfTicks { get; }

    public long WindowTicks { get; }

    public long WindowStartTicks => AsOfTicks - WindowTicks;

    /// <summary>The earliest outbound web connection read, in the window or not (RITA's window starts no earlier).</summary>
    public long EarliestTicks { get; }
}

/// <summary>
/// Groups events into channels as readers deliver them, on the readers' threads, into one
/// table they share.
/// </summary>
/// <remarks>
/// With an explicit as-of, connections outside the window are dropped on arrival. Without one
/// the window ends at the latest event, unknown until the end: a channel sheds connections its
/// thread's latest time has already pushed out whenever its storage would grow, so memory
/// follows the connections in the window, not the file.
/// </remarks>
public sealed class ChannelGrouping : IEventSink, IScopedEventSink, IDisposable
{
    // What the channel analytics read. Readers leave the rest (local address and port, protocol,
    // process id, connection state, observer) unset and skip interning them: the local address
    // alone is one of an export's most varied columns.
    private const TelemetryFields FieldsRead = TelemetryFields.Timestamp | TelemetryFields.DeviceName | TelemetryFields.ActionType
        | TelemetryFields.RemoteIP | TelemetryFields.RemotePort | TelemetryFields.RemoteIPType | TelemetryFields.RemoteUrl
        | TelemetryFields.ProcessName | TelemetryFields.SentBytes | TelemetryFields.ReceivedBytes | TelemetryFields.SentIpBytes
        | TelemetryFields.Duration | TelemetryFields.DestinationHost | TelemetryFields.HttpMethod | TelemetryFields.UserAgent
        | TelemetryFields.StatusCode | TelemetryFields.Ja3 | TelemetryFields.Ja3s | TelemetryFields.ProcessCommandLine
        | TelemetryFields.WebSocketUpgrade | TelemetryFields.AggregatedCount;

    private readonly ChannelScope _scope;
    private readonly ChannelLimits _limits;
    private readonly long _windowTicks;
    private readonly long? _asOfTicks;
    private readonly ThreadLocal<Partial> _partials;

    // One table for every reader thread: a channel's events arrive on both threads (each reads
    // its own ranges of a file), and per-thread tables held every busy channel twice until a
    // merge at the end. The table is split into stripes by hash, each an open-addressing table
    // behind its own lock, held while an event is added to its channel: one lock per event, no
    // node object per channel (a concurrent dictionary's lookup, its nodes and a lock per channel
    // were about a fifth of a run). Two threads meet on a stripe about once in StripeCount events.
    private const int StripeBits = 8;

    // Enough events for their cache misses to overlap; few enough that a batch stays in L1.
    private const int BatchSize = 32;
    private readonly Stripe[] _stripes = new Stripe[1 << StripeBits];
    private readonly ChannelKeyComparer _comparer = new();

    public ChannelGrouping(ChannelScope scope, TimeSpan window, DateTime? asOf, ChannelLimits? limits = null)
    {
        if (window <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(window), window, "The window must be positive.");
        _scope = scope;
        _limits = limits ?? new ChannelLimits();
        _windowTicks = window.Ticks;
        _asOfTicks = asOf?.ToUniversalTime().Ticks;
        _partials = new ThreadLocal<Partial>(() => new Partial(), trackAllValues: true);
        for (var i = 0; i < _stripes.Length; i++)
            _stripes[i] = new Stripe();
    }

    TelemetryFields IScopedEventSink.Reads => FieldsRead;

    /// <summary>Every event is wanted: even one set aside names a device, and the fleet is every device seen.</summary>
    bool IScopedEventSink.Wants(in NetworkEvent preview) => true;

    public void Accept(in NetworkEvent e)
    {
        var partial = _partials.Value!;
        // Events come in runs from one device: skip the set when the device is the last one seen.
        if (!ReferenceEquals(e.DeviceName, partial.LastDevice))
        {
            partial.Devices.Add(e.DeviceName);
            partial.LastDevice = e.DeviceName;
        }
        var role = _scope.RoleOf(e, partial.Actions.Of(e.ActionType));
        partial.ByRole[(int)role]++;
        if (role is ChannelRole.NotOutbound or ChannelRole.InternalDestination or ChannelRole.NotWeb)
            return;

        var ticks = e.TimestampTicks;
        if (ticks > partial.LatestTicks)
            partial.LatestTicks = ticks;
        if (ticks < partial.EarliestTicks)
            partial.EarliestTicks = ticks;
        if (_asOfTicks is { } asOf && (ticks > asOf || ticks <= asOf - _windowTicks))
        {
            partial.OutsideWindow++;
            return;
        }

        var key = new ChannelKey(e.DeviceName, e.InitiatingProcessFileName, ChannelScope.DestinationOf(e, partial.Names), -1);
        ref var pending = ref partial.Batch[partial.Pending++];
        pending.Event = e;
        pending.Key = key;
        pending.Hash = _comparer.GetHashCode(key);
        pending.Role = role;
        if (partial.Pending == BatchSize)
            Apply(partial);
    }

    /// <summary>
    /// Adds a thread's batch of events to their channels. The lookup is memory-latency bound (a
    /// random slot and a random channel among hundreds of thousands, each a cache miss), so the
    /// batch first only reads the slots, then the channels it will update: their misses overlap
    /// instead of queueing one behind the other. Then each event is added under its stripe's lock.
    /// </summary>
    private void Apply(Partial partial)
    {
        var batch = partial.Batch.AsSpan(0, partial.Pending);
        long touched = 0;
        foreach (ref readonly var pending in batch)
            touched += StripeOf(pending.Hash).TouchSlot(pending.Hash);
        foreach (ref readonly var pending in batch)
            touched += StripeOf(pending.Hash).TouchChannel(pending.Hash);
        // Kept, so the reads above are not dropped as dead code.
        partial.Touched += touched;
        foreach (ref var pending in batch)
        {
            var stripe = StripeOf(pending.Hash);
            lock (stripe)
            {
                var series = stripe.GetOrAdd(pending.Key, pending.Hash, _comparer);
                switch (pending.Role)
                {
                    case ChannelRole.Connection:
                        // This thread's latest time is at most the run's: what it pushes out is surely out.
                        if (series.IsFull && _asOfTicks is null)
                            partial.OutsideWindow += series.DropThrough(partial.LatestTicks - _windowTicks);
                        series.AddConnection(pending.Event, _limits);
                        break;
                    case ChannelRole.Failed:
                        series.AddFailure(pending.Event, _limits);
                        break;
                    default:
                        series.AddInspection(pending.Event, _limits);
                        break;
                }
            }
            // The batch must not keep the event's strings alive.
            pending = default;
        }
        partial.Pending = 0;
    }

    private Stripe StripeOf(int hash) => _stripes[(uint)hash >> (32 - StripeBits)];

    /// <summary>
    /// Merges the threads' tables and applies the window: (as-of - window, as-of], as-of being
    /// the one given, else <paramref name="latestEventTicks"/> (the latest event of the whole
    /// run), else the latest this grouping saw. Each channel's connections come out in time order.
    /// </summary>
    public ChannelSet Complete(long? latestEventTicks)
    {
        var partials = _partials.Values;
        // Reading is over: what the threads still hold in their batches joins its channels.
        foreach (var partial in partials)
        {
            if (partial.Pending > 0)
                Apply(partial);
        }
        var byRole = new long[Enum.GetValues<ChannelRole>().Length];
        var devices = new HashSet<string>(StringComparer.Ordinal);
        long outside = 0;
        var latestSeen = long.MinValue;
        var earliest = long.MaxValue;
        foreach (var partial in partials)
        {
            for (var i = 0; i < byRole.Length; i++)
                byRole[i] += partial.ByRole[i];
            devices.UnionWith(partial.Devices);
            outside += partial.OutsideWindow;
            latestSeen = Math.Max(latestSeen, partial.LatestTicks);
            earliest = Math.Min(earliest, partial.EarliestTicks);
        }

        var asOf = _asOfTicks ?? latestEventTicks ?? (latestSeen == long.MinValue ? 0 : latestSeen);
        var after = asOf - _windowTicks;
        var all = new KeyValuePair<ChannelKey, ChannelSeries>[_stripes.Sum(s => s.Count)];
        var filled = 0;
        foreach (var stripe in _stripes)
            filled = stripe.CopyTo(all, filled);
        var dropped = new long[all.Length];
        Parallel.For(0, all.Length, i =>
        {
            var series = all[i].Value;
            dropped[i] = series.KeepWindow(after, asOf);
            series.SortByTime();
        });
        outside += dropped.Sum();
        return new ChannelSet(new ChannelTable(all), byRole, outside, devices, asOf, _windowTicks, earliest == long.MaxValue ? asOf : earliest);
    }

    public void Dispose() => _partials.Dispose();

    /// <summary>One stripe of the channel table: open addressing, the key's hash beside each channel so most probes touch no key.</summary>
    private sealed class Stripe
    {
        private Slot[] _slots = new Slot[64];

        public int Count { get; private set; }

        public ChannelSeries GetOrAdd(in ChannelKey key, int hash, ChannelKeyComparer comparer)
        {
            var slots = _slots;
            var mask = slots.Length - 1;
            var i = hash & mask;
            while (slots[i].Series is { } found)
            {
                if (slots[i].Hash == hash && comparer.Equals(found.Key, key))
                    return found;
                i = (i + 1) & mask;
            }
            var series = new ChannelSeries(key);
            slots[i] = new Slot(hash, series);
            // At most half full: probes stay short.
            if (++Count * 2 > slots.Length)
                Grow();
            return series;
        }

        /// <summary>Reads the slot a lookup of <paramref name="hash"/> starts at (no lock: a stale answer only wastes the read).</summary>
        public int TouchSlot(int hash)
        {
            var slots = _slots;
            return slots[hash & (slots.Length - 1)].Hash;
        }

        /// <summary>
        /// Reads the channel a lookup of <paramref name="hash"/> would find, if any, without the lock:
        /// another thread may be adding or growing, but every reference read is a whole channel or null.
        /// </summary>
        public int TouchChannel(int hash)
        {
            var slots = _slots;
            var mask = slots.Length - 1;
            var i = hash & mask;
            for (var probe = 0; probe < 4; probe++, i = (i + 1) & mask)
            {
                var slot = slots[i];
                if (slot.Series is null)
                    return 0;
                if (slot.Hash == hash)
                    return slot.Series.Count + slot.Series.Key.Port;
            }
            return 0;
        }

        private void Grow()
        {
            var slots = new Slot[_slots.Length * 2];
            var mask = slots.Length - 1;
            foreach (var slot in _slots)
            {
                if (slot.Series is null)
                    continue;
                var i = slot.Hash & mask;
                while (slots[i].Series is not null)
                    i = (i + 1) & mask;
                slots[i] = slot;
            }
            _slots = slots;
        }

        public int CopyTo(KeyValuePair<ChannelKey, ChannelSeries>[] all, int at)
        {
            foreach (var slot in _slots)
            {
                if (slot.Series is { } series)
                    all[at++] = new KeyValuePair<ChannelKey, ChannelSeries>(series.Key, series);
            }
            return at;
        }

        private readonly record struct Slot(int Hash, ChannelSeries? Series);
    }

    /// <summary>An event waiting in a thread's batch, with its channel's key and hash.</summary>
    private struct PendingEvent
    {
        public NetworkEvent Event;
        public ChannelKey Key;
        public int Hash;
        public ChannelRole Role;
    }

    private sealed class Partial
    {
        public PendingEvent[] Batch { get; } = new PendingEvent[BatchSize];

        public int Pending { get; set; }

        public long Touched { get; set; }

        public long[] ByRole { get; } = new long[Enum.GetValues<ChannelRole>().Length];

        public HashSet<string> Devices { get; } = new(StringComparer.Ordinal);

        public DestinationNames Names { get; } = new();

        public ActionKinds Actions { get; } = new();

        public string? LastDevice { get; set; }

        public long OutsideWindow { get; set; }

        public long LatestTicks { get; set; } = long.MinValue;

        public long EarliestTicks { get; set; } = long.MaxValue;
    }
}
