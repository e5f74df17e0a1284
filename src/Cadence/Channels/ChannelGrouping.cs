using System.Buffers;
using System.IO.Hashing;
using System.Runtime.InteropServices;
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
/// <para>
/// A reader that can hands over plain connection rows as the characters of the row
/// (<see cref="IConnectionSpanSink"/>): the row's role and destination are read from them, and
/// its channel is found by a keyed 64-bit hash of (device, process, destination), so strings
/// are made only for a channel's first event, an address or command line new to it, and a
/// device new to the thread. Events that arrive built are hashed the same way from their
/// strings and land in the same channels. Interning every row's strings for the reader and then
/// hashing them again here was about a third of an all-analytics run on a 1M-row export (perf
/// on the AOT binary). Two of a fleet's channels share a hash with probability about n^2 / 2^65
/// (under 1e-9 for a million channels); the seed is random per instance, so no one can craft a
/// collision offline (the seed rule's <see cref="WindowedChannels"/> trusts its hashes alike).
/// </para>
/// </remarks>
public sealed class ChannelGrouping : IConnectionSpanSink, IDisposable
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
    private readonly long _seed = Random.Shared.NextInt64();
    private readonly ThreadLocal<Partial> _partials;

    // One instance of each device, process and command line across the threads' tables.
    private readonly CanonicalStrings _canonical = new();

    // The partial of the instance this thread used last: a ThreadLocal lookup per event shows in
    // a profile; a thread-static read does not.
    [ThreadStatic]
    private static Partial? t_lastPartial;

    // One table for every reader thread: a channel's events arrive on both threads (each reads
    // its own ranges of a file), and per-thread tables held every busy channel twice until a
    // merge at the end. The table is split into stripes by hash, each an open-addressing table
    // behind its own lock, held while an event is added to its channel: one lock per event, no
    // node object per channel (a concurrent dictionary's lookup, its nodes and a lock per channel
    // were about a fifth of a run). Two threads meet on a stripe about once in StripeCount events.
    private const int StripeBits = 8;

    // Enough events for their cache misses to overlap; few enough that a batch stays in L1.
    private const int BatchSize = 32;

    // A key's record: the lengths of device, process and destination, two chars each, then their
    // characters; the hash covers all of it.
    private const int RecordHeader = 6;

    private readonly Stripe[] _stripes = new Stripe[1 << StripeBits];

    private ChannelSet? _completed;
    private long? _completedWith;

    public ChannelGrouping(ChannelScope scope, TimeSpan window, DateTime? asOf, ChannelLimits? limits = null)
    {
        if (window <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(window), window, "The window must be positive.");
        _scope = scope;
        _limits = limits ?? new ChannelLimits();
        _windowTicks = window.Ticks;
        _asOfTicks = asOf?.ToUniversalTime().Ticks;
        _partials = new ThreadLocal<Partial>(() => new Partial(this), trackAllValues: true);
        for (var i = 0; i < _stripes.Length; i++)
            _stripes[i] = new Stripe();
    }

    TelemetryFields IScopedEventSink.Reads => FieldsRead;

    /// <summary>Every event is wanted: even one set aside names a device, and the fleet is every device seen.</summary>
    bool IScopedEventSink.Wants(in NetworkEvent preview) => true;

    private Partial CurrentPartial()
    {
        var partial = t_lastPartial;
        if (partial is null || partial.Owner != this)
            t_lastPartial = partial = _partials.Value!;
        return partial;
    }

    public void Accept(in NetworkEvent e)
    {
        var partial = CurrentPartial();
        // Events come in runs from one device: skip the set when the device is the last one seen.
        if (!ReferenceEquals(e.DeviceName, partial.LastDevice))
        {
            partial.Devices.Add(e.DeviceName);
            partial.LastDevice = e.DeviceName;
        }
        var role = _scope.RoleOf(e, partial.Actions.Of(e.ActionType));
        if (!partial.Admit(role, e.TimestampTicks))
            return;

        var key = new ChannelKey(e.DeviceName, e.InitiatingProcessFileName, ChannelScope.DestinationOf(e, partial.Names), -1);
        if (partial.Add(role, e, key, Hash(key)))
            Apply(partial);
    }

    void IConnectionSpanSink.Accept(in ConnectionSpans c)
    {
        var partial = CurrentPartial();
        var role = _scope.RoleOfPlain(partial.Actions.Of(c.ActionType), !c.RemoteUrl.IsEmpty, c.RemoteIPType, c.RemotePort);
        if (!partial.Admit(role, c.TimestampTicks))
        {
            // A row set aside still names a device of the fleet. A row admitted names its
            // channel's device, counted when the channel is made (KeyOf): interning every row's
            // device only to find it known was about 3 % of an all-analytics run (perf).
            partial.SawDevice(c.DeviceName);
            return;
        }

        var destination = c.RemoteUrl.IsEmpty ? c.RemoteIP : partial.Names.UrlHost(c.RemoteUrl);
        if (destination.IsEmpty)
            destination = c.RemoteIP;
        if (partial.Add(role, c, destination))
            Apply(partial);
    }

    private static int RecordLength(ReadOnlySpan<char> device, ReadOnlySpan<char> process, ReadOnlySpan<char> destination) =>
        RecordHeader + device.Length + process.Length + destination.Length;

    private static void WriteRecord(Span<char> record, ReadOnlySpan<char> device, ReadOnlySpan<char> process, ReadOnlySpan<char> destination)
    {
        WriteInt(record, 0, device.Length);
        WriteInt(record, 2, process.Length);
        WriteInt(record, 4, destination.Length);
        device.CopyTo(record[RecordHeader..]);
        process.CopyTo(record[(RecordHeader + device.Length)..]);
        destination.CopyTo(record[(RecordHeader + device.Length + process.Length)..]);
    }

    private static void WriteInt(Span<char> record, int at, int value)
    {
        record[at] = (char)value;
        record[at + 1] = (char)((uint)value >> 16);
    }

    private static int ReadInt(ReadOnlySpan<char> record, int at) => record[at] | (record[at + 1] << 16);

    private ulong Hash(ReadOnlySpan<char> record) => ChannelHashes.Hash(record, _seed);

    private ulong Hash(in ChannelKey key)
    {
        var length = RecordLength(key.Device, key.Process, key.Destination);
        char[]? rented = null;
        var record = length <= 512 ? stackalloc char[length] : (rented = ArrayPool<char>.Shared.Rent(length)).AsSpan(0, length);
        WriteRecord(record, key.Device, key.Process, key.Destination);
        var hash = Hash(record);
        if (rented is not null)
            ArrayPool<char>.Shared.Return(rented);
        return hash;
    }

    /// <summary>The key a record stands for, its strings interned in the thread's tables.</summary>
    private static ChannelKey KeyOf(ReadOnlySpan<char> record, Partial partial)
    {
        var deviceLength = ReadInt(record, 0);
        var processLength = ReadInt(record, 2);
        var destinationLength = ReadInt(record, 4);
        var chars = record[RecordHeader..];
        var process = chars.Slice(deviceLength, processLength);
        return new ChannelKey(
            partial.SawDevice(chars[..deviceLength]),
            process.IsEmpty ? string.Empty : partial.ProcessNames.Intern(process),
            partial.Addresses.Intern(chars.Slice(deviceLength + processLength, destinationLength)),
            -1);
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
        foreach (ref readonly var pending in batch)
        {
            var stripe = StripeOf(pending.Hash);
            lock (stripe.Gate)
            {
                var series = stripe.Find(pending.Hash, out var slot);
                if (series is null)
                {
                    var key = pending.Built >= 0 ? partial.Keys[pending.Built] : KeyOf(partial.Record(pending), partial);
                    series = new ChannelSeries(key, Hash(key.Device), Hash(key.Destination));
                    stripe.Insert(slot, pending.Hash, series);
                    partial.Created.Add(series);
                }
                // This thread's latest time is at most the run's: what it pushes out is surely out.
                if (pending.Role == ChannelRole.Connection && series.IsFull && _asOfTicks is null)
                    partial.OutsideWindow += series.DropThrough(partial.LatestTicks - _windowTicks);
                if (pending.Built >= 0)
                {
                    ref readonly var e = ref partial.Events[pending.Built];
                    switch (pending.Role)
                    {
                        case ChannelRole.Connection:
                            series.AddConnection(e, pending.RemoteIPHash, _limits);
                            break;
                        case ChannelRole.Failed:
                            series.AddFailure(e, pending.RemoteIPHash, _limits);
                            break;
                        default:
                            series.AddInspection(e, pending.RemoteIPHash, _limits);
                            break;
                    }
                }
                else
                {
                    var record = partial.Record(pending);
                    series.AddPlain(pending.Role, new PlainEvent
                    {
                        Ticks = pending.Ticks,
                        SentBytes = pending.Sent,
                        ReceivedBytes = pending.Received,
                        RemoteIP = record.Slice(pending.KeyLength, pending.RemoteIPLength),
                        RemoteIPHash = pending.RemoteIPHash,
                        RemotePort = pending.Port,
                        CommandLine = record[(pending.KeyLength + pending.RemoteIPLength)..],
                        Provenance = pending.Provenance,
                    }, partial.Addresses, partial.CommandLines, _limits);
                }
            }
        }
        partial.Clear();
    }

    private Stripe StripeOf(ulong hash) => _stripes[hash >> (64 - StripeBits)];

    /// <summary>
    /// Merges the threads' tables and applies the window: (as-of - window, as-of], as-of being
    /// the one given, else <paramref name="latestEventTicks"/> (the latest event of the whole
    /// run), else the latest this grouping saw. Each channel's connections come out in time order.
    /// Reading must be over: events accepted afterwards are not part of the set. A second call
    /// gives the same set (the window is applied once: the channels are trimmed in place, and a
    /// second pass would count nothing outside it); one with another
    /// <paramref name="latestEventTicks"/> is refused.
    /// </summary>
    public ChannelSet Complete(long? latestEventTicks)
    {
        if (_completed is { } done)
        {
            if (latestEventTicks != _completedWith)
                throw new InvalidOperationException("The grouping was completed with another latest event time.");
            return done;
        }
        _completedWith = latestEventTicks;
        return _completed = CompleteOnce(latestEventTicks);
    }

    private ChannelSet CompleteOnce(long? latestEventTicks)
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

        // One visit to each channel, on every core: the window, the sort, its place in the table
        // and its glance. The channels are visited in the order each thread made them, which is
        // about the order of their memory: in the stripes' hash order every channel was a cache
        // miss or more, and this pass took about 45 ms of a 1M-row export's run.
        var ordered = new ChannelSeries[partials.Sum(p => p.Created.Count)];
        var filled = 0;
        foreach (var partial in partials)
        {
            partial.Created.CopyTo(ordered, filled);
            filled += partial.Created.Count;
        }
        var all = new KeyValuePair<ChannelKey, ChannelSeries>[ordered.Length];
        var glances = new ChannelGlance[all.Length];
        var deviceHashes = new ulong[all.Length];
        var destinationHashes = new ulong[all.Length];
        var detailed = new bool[all.Length];
        // Slices of up to 4096 channels keep each thread on neighbouring memory; a run of a few
        // channels with long series is still cut into enough slices for every core.
        var sliceLength = Math.Clamp(all.Length / (4 * Environment.ProcessorCount), 64, 4096);
        var dropped = new long[(all.Length + sliceLength - 1) / sliceLength];
        Parallel.For(0, dropped.Length, slice =>
        {
            long sliceDropped = 0;
            for (int i = slice * sliceLength, end = Math.Min(all.Length, i + sliceLength); i < end; i++)
            {
                var series = ordered[i];
                sliceDropped += series.KeepWindow(after, asOf);
                series.SortByTime();
                detailed[i] = series.HasDetails;
                var commandLines = series.CommandLines;
                glances[i] = new ChannelGlance(series.Count, commandLines.Length, commandLines.IsEmpty ? null : commandLines[0]);
                all[i] = new KeyValuePair<ChannelKey, ChannelSeries>(series.Key, series);
                deviceHashes[i] = series.DeviceHash;
                destinationHashes[i] = series.DestinationHash;
            }
            dropped[slice] = sliceDropped;
        });
        outside += dropped.Sum();
        var withDetails = new List<KeyValuePair<ChannelKey, ChannelSeries>>();
        for (var i = 0; i < all.Length; i++)
        {
            if (detailed[i])
                withDetails.Add(all[i]);
        }
        return new ChannelSet(new ChannelTable(all, glances, [.. withDetails], new ChannelHashes(_seed, deviceHashes, destinationHashes)), byRole, outside, devices, asOf, _windowTicks, earliest == long.MaxValue ? asOf : earliest);
    }

    public void Dispose() => _partials.Dispose();

    /// <summary>One stripe of the channel table: open addressing over the keys' hashes.</summary>
    private sealed class Stripe
    {
        // A System.Threading.Lock, not the stripe's monitor: entering a monitor was about 3 % of
        // an all-analytics run's CPU on the 1M-row export (perf), one uncontended entry per event.
        public readonly Lock Gate = new();

        private Slot[] _slots = new Slot[64];

        public int Count { get; private set; }

        /// <summary>The channel of <paramref name="hash"/>, or null and the slot to <see cref="Insert"/> it at.</summary>
        public ChannelSeries? Find(ulong hash, out int slot)
        {
            var slots = _slots;
            var mask = slots.Length - 1;
            var i = (int)hash & mask;
            while (slots[i].Series is { } found)
            {
                if (slots[i].Hash == hash)
                {
                    slot = i;
                    return found;
                }
                i = (i + 1) & mask;
            }
            slot = i;
            return null;
        }

        public void Insert(int slot, ulong hash, ChannelSeries series)
        {
            _slots[slot] = new Slot(hash, series);
            // At most half full: probes stay short.
            if (++Count * 2 > _slots.Length)
                Grow();
        }

        /// <summary>Reads the slot a lookup of <paramref name="hash"/> starts at (no lock: a stale answer only wastes the read).</summary>
        public long TouchSlot(ulong hash)
        {
            var slots = _slots;
            return (long)slots[(int)hash & (slots.Length - 1)].Hash;
        }

        /// <summary>
        /// Reads the channel a lookup of <paramref name="hash"/> would find, if any, without the lock:
        /// another thread may be adding or growing, but every reference read is a whole channel or null.
        /// </summary>
        public long TouchChannel(ulong hash)
        {
            var slots = _slots;
            var mask = slots.Length - 1;
            var i = (int)hash & mask;
            for (var probe = 0; probe < 4; probe++, i = (i + 1) & mask)
            {
                var slot = slots[i];
                if (slot.Series is null)
                    return 0;
                if (slot.Hash == hash)
                    return slot.Series.Touch();
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
                var i = (int)slot.Hash & mask;
                while (slots[i].Series is not null)
                    i = (i + 1) & mask;
                slots[i] = slot;
            }
            _slots = slots;
        }

        private readonly record struct Slot(ulong Hash, ChannelSeries? Series);
    }

    /// <summary>
    /// An event waiting in a thread's batch with its channel's hash: a built event (an index into
    /// the batch's events and keys) or a plain row, whose key record, address and command line
    /// are copied into the batch's characters.
    /// </summary>
    private struct PendingEvent
    {
        public ulong Hash;

        /// <summary>The keyed hash of the remote address (<see cref="ChannelSeries"/> compares these, not the strings).</summary>
        public ulong RemoteIPHash;
        public ChannelRole Role;

        /// <summary>The index of the built event in <see cref="Partial.Events"/>; -1 for a plain row.</summary>
        public int Built;
        public int RecordStart;
        public int KeyLength;
        public int RemoteIPLength;
        public int CommandLineLength;
        public long Ticks;
        public long? Sent;
        public long? Received;
        public int Port;
        public Provenance Provenance;
    }

    private sealed class Partial(ChannelGrouping owner)
    {
        // A batch of hostile rows (device names or command lines of megabytes) is applied as soon
        // as its characters pass this, so the buffer never holds more than one such row past it.
        private const int MaxRecordChars = BatchSize * 1024;

        public readonly ChannelGrouping Owner = owner;

        public PendingEvent[] Batch { get; } = new PendingEvent[BatchSize];

        public NetworkEvent[] Events { get; } = new NetworkEvent[BatchSize];

        public ChannelKey[] Keys { get; } = new ChannelKey[BatchSize];

        public int Pending { get; private set; }

        private int _built;

        // The plain rows' key records, addresses and command lines, back to back.
        private char[] _records = new char[BatchSize * 256];
        private int _used;

        public long Touched { get; set; }

        /// <summary>The channels this thread made, in the order it made them (about the order of their memory).</summary>
        public List<ChannelSeries> Created { get; } = [];

        public long[] ByRole { get; } = new long[Enum.GetValues<ChannelRole>().Length];

        /// <summary>Every device this thread saw, in scope or not.</summary>
        public HashSet<string> Devices { get; } = new(StringComparer.Ordinal);

        // A fleet's few hundred devices and processes and few thousand command lines, in tables
        // small enough to stay in cache; one instance of each across threads.
        public HashedStrings DeviceNames { get; } = new(owner._canonical);

        public HashedStrings ProcessNames { get; } = new(owner._canonical);

        public HashedStrings CommandLines { get; } = new(owner._canonical);

        // Destinations and remote addresses: tens of thousands, each shared by a few channels.
        public HashedStrings Addresses { get; } = new(owner._canonical);

        public DestinationNames Names { get; } = new();

        public ActionKinds Actions { get; } = new();

        public string? LastDevice { get; set; }

        /// <summary>Adds a device to <see cref="Devices"/> when new to this thread; its one instance.</summary>
        public string SawDevice(ReadOnlySpan<char> name)
        {
            var device = DeviceNames.Intern(name, out var isNew);
            if (isNew)
                Devices.Add(device);
            return device;
        }

        public long OutsideWindow { get; set; }

        public long LatestTicks { get; set; } = long.MinValue;

        public long EarliestTicks { get; set; } = long.MaxValue;

        /// <summary>Counts the event's role; true when it is an outbound web event inside the window (as far as is known yet).</summary>
        public bool Admit(ChannelRole role, long ticks)
        {
            ByRole[(int)role]++;
            if (role is ChannelRole.NotOutbound or ChannelRole.InternalDestination or ChannelRole.NotWeb)
                return false;
            if (ticks > LatestTicks)
                LatestTicks = ticks;
            if (ticks < EarliestTicks)
                EarliestTicks = ticks;
            if (Owner._asOfTicks is { } asOf && (ticks > asOf || ticks <= asOf - Owner._windowTicks))
            {
                OutsideWindow++;
                return false;
            }
            return true;
        }

        /// <summary>Adds a built event; true when the batch is full.</summary>
        public bool Add(ChannelRole role, in NetworkEvent e, in ChannelKey key, ulong hash)
        {
            Events[_built] = e;
            Keys[_built] = key;
            Batch[Pending++] = new PendingEvent { Hash = hash, RemoteIPHash = Owner.Hash(e.RemoteIP), Role = role, Built = _built++ };
            return Pending == BatchSize;
        }

        /// <summary>Adds a plain row, copying what its channel needs; true when the batch is full.</summary>
        public bool Add(ChannelRole role, in ConnectionSpans c, ReadOnlySpan<char> destination)
        {
            var keyLength = RecordLength(c.DeviceName, c.InitiatingProcessFileName, destination);
            var length = keyLength + c.RemoteIP.Length + c.ProcessCommandLine.Length;
            if (_records.Length - _used < length)
                Array.Resize(ref _records, Math.Max(_records.Length * 2, _used + length));
            var record = _records.AsSpan(_used, length);
            WriteRecord(record, c.DeviceName, c.InitiatingProcessFileName, destination);
            c.RemoteIP.CopyTo(record[keyLength..]);
            c.ProcessCommandLine.CopyTo(record[(keyLength + c.RemoteIP.Length)..]);
            Batch[Pending++] = new PendingEvent
            {
                Hash = Owner.Hash(record[..keyLength]),
                RemoteIPHash = Owner.Hash(c.RemoteIP),
                Role = role,
                Built = -1,
                RecordStart = _used,
                KeyLength = keyLength,
                RemoteIPLength = c.RemoteIP.Length,
                CommandLineLength = c.ProcessCommandLine.Length,
                Ticks = c.TimestampTicks,
                Sent = c.SentBytes,
                Received = c.ReceivedBytes,
                Port = c.RemotePort,
                Provenance = c.Provenance,
            };
            _used += length;
            return Pending == BatchSize || _used > MaxRecordChars;
        }

        /// <summary>A plain row's characters: its key record, then its address, then its command line.</summary>
        public ReadOnlySpan<char> Record(in PendingEvent pending) =>
            _records.AsSpan(pending.RecordStart, pending.KeyLength + pending.RemoteIPLength + pending.CommandLineLength);

        public void Clear()
        {
            // The batch must not keep the events' strings alive.
            Array.Clear(Events, 0, _built);
            Array.Clear(Keys, 0, _built);
            Array.Clear(Batch, 0, Pending);
            Pending = 0;
            _built = 0;
            _used = 0;
            if (_records.Length > MaxRecordChars)
                _records = new char[BatchSize * 256];
        }
    }
}
