using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using Cadence.Sources.Internals;
using Cadence.Telemetry;

namespace Cadence.Channels;

/// <summary>
/// Groups events into channels and summarizes those inside a time window that ends at an
/// as-of time: (asOf - window, asOf], the semantics of KQL's <c>Timestamp &gt; ago(window)</c>
/// with now = asOf. <see cref="Add"/> may be called from several threads at once.
/// </summary>
/// <remarks>
/// When as-of is given, each event is summarized on arrival and memory grows with the number
/// of channels only. When as-of is the latest timestamp in the data, it is unknown until the
/// last row is read, so events that may still fall inside the window are kept column-wise per
/// channel (about 40 bytes each) and the ones the running maximum has already pushed out are
/// pruned as reading goes. Exact counts at an unknown boundary need the timestamps themselves.
/// <para>
/// Readers deliver events on all their threads, so the channels live in one table split into
/// stripes by hash, each behind its own lock, rather than in a table per thread merged at the
/// end: on a fleet's export (143k channels, 2 threads) the single-threaded merge took about
/// 0.1 s, and two tables holding nearly every channel twice no longer fitted the shared cache.
/// Two threads meet on a stripe's lock about once in <see cref="StripeCount"/> events.
/// </para>
/// <para>
/// With as-of given, each thread gathers its events in a small batch and applies the batch at
/// once: a first pass only reads the table slots and entries the batch will update, so their
/// cache misses overlap instead of queueing one behind the other (the lookup was memory-latency
/// bound: a random entry among 143k, about 16 % of the CPU of a run). The counts are complete
/// once reading ends: <see cref="Count"/>, <see cref="OutsideWindow"/>, <see cref="Summarize"/>
/// and <see cref="Merge"/> apply what is still batched, and must not run while events are added.
/// </para>
/// <para>
/// A channel is found by a keyed 64-bit hash of its key, not by comparing the key's strings, so
/// a reader can hand over the key's characters where they lie in the row (<see
/// cref="Add(ReadOnlySpan{char}, ReadOnlySpan{char}, ReadOnlySpan{char}, int, long, long?, long?, ulong?)"/>)
/// and strings are made only for a channel's first event: interning every event's device, process
/// and address was the largest cost of the seed rule (about 17 % of a run, perf on the AOT
/// binary). The reader's string pool trusts equal 64-bit keyed hashes the same way; two of a
/// fleet's channels collide with probability about n^2 / 2^65 (under 1e-9 for 150,000 channels),
/// and the seed is random per instance, so no one can craft a collision offline.
/// </para>
/// </remarks>
public sealed class WindowedChannels
{
    private const int StripeBits = 6;
    private const int StripeCount = 1 << StripeBits;

    // A stripe's pending events are pruned when they have doubled since its last prune, once
    // past this: the whole table's first prune still comes after about 65,536 events.
    private const int PruneFloorPerStripe = 65_536 / StripeCount;

    // Enough events for their misses to overlap; few enough that a batch stays in L1.
    private const int BatchSize = 64;

    // A key's record: the lengths of device, process and destination and the port, two chars
    // each, then the three strings' characters; the hash covers all of it.
    private const int RecordHeader = 8;

    private readonly long _windowTicks;
    private readonly long? _asOfTicks;
    private readonly long _seed = Random.Shared.NextInt64();

    // One instance of each device and process name across the threads' tables.
    private readonly CanonicalStrings _canonical = new();

    private readonly Stripe[] _stripes;
    private readonly ThreadLocal<Batch> _batches;
    private long _outsideWindowMerged;

    // The batch of the instance this thread used last: a ThreadLocal lookup per event was about
    // 3 % of a run; a thread-static read is a few instructions.
    [ThreadStatic]
    private static Batch? t_lastBatch;

    public WindowedChannels(TimeSpan window, DateTime? asOf)
    {
        if (window <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(window), window, "The window must be positive.");
        _windowTicks = window.Ticks;
        _asOfTicks = asOf?.ToUniversalTime().Ticks;
        _batches = new(() => new Batch(this), trackAllValues: true);
        _stripes = new Stripe[StripeCount];
        for (var i = 0; i < _stripes.Length; i++)
            _stripes[i] = new Stripe();
    }

    /// <summary>Channels grouped so far (summarized and pending).</summary>
    public int Count
    {
        get
        {
            ApplyBatches();
            return _stripes.Sum(s => s.Summaries.Count + s.Pending.Count);
        }
    }

    /// <summary>Events that fell outside the window (before it, or after as-of).</summary>
    public long OutsideWindow
    {
        get
        {
            ApplyBatches();
            return _outsideWindowMerged + _batches.Values.Sum(b => b.OutsideWindow) + _stripes.Sum(s => s.OutsideWindow);
        }
    }

    /// <summary>
    /// True when an event at <paramref name="ticks"/> is already known to fall outside the window
    /// (as-of given); <see cref="Add(in ChannelKey, in NetworkEvent)"/> would only count it.
    /// </summary>
    public bool IsOutsideKnownWindow(long ticks) =>
        _asOfTicks is { } asOf && (ticks > asOf || ticks <= asOf - _windowTicks);

    public void Add(in ChannelKey key, in NetworkEvent e) =>
        Add(key.Device, key.Process, key.Destination, key.Port, e.TimestampTicks, e.SentBytes, e.ReceivedBytes,
            e.RemoteUrl is null ? null : ConnectionSummary.UrlHash(e.RemoteUrl));

    /// <summary>Adds an event of the channel (device, process, destination, port) given as characters, from any thread.</summary>
    /// <param name="urlHash">The event's <see cref="ConnectionSummary.UrlHash"/>; null when it has no RemoteUrl.</param>
    public void Add(ReadOnlySpan<char> device, ReadOnlySpan<char> process, ReadOnlySpan<char> destination, int port,
        long ticks, long? sent, long? received, ulong? urlHash)
    {
        if (_asOfTicks is { } asOf)
        {
            var batch = CurrentBatch();
            if (ticks > asOf || ticks <= asOf - _windowTicks)
            {
                batch.OutsideWindow++;
                return;
            }
            if (batch.Add(device, process, destination, port, ticks, sent, received, urlHash))
                Apply(batch);
            return;
        }

        var length = RecordLength(device, process, destination);
        char[]? rented = null;
        var record = length <= 512 ? stackalloc char[length] : (rented = ArrayPool<char>.Shared.Rent(length)).AsSpan(0, length);
        WriteRecord(record, device, process, destination, port);
        var hash = Hash(record);
        var stripe = StripeOf(hash);
        var tables = CurrentBatch();
        lock (stripe.Lock)
            stripe.AddPending(tables, hash, record, ticks, sent, received, urlHash, _windowTicks);
        if (rented is not null)
            ArrayPool<char>.Shared.Return(rented);
    }

    private Batch CurrentBatch()
    {
        var batch = t_lastBatch;
        if (batch is null || batch.Owner != this)
            t_lastBatch = batch = _batches.Value!;
        return batch;
    }

    private static int RecordLength(ReadOnlySpan<char> device, ReadOnlySpan<char> process, ReadOnlySpan<char> destination) =>
        RecordHeader + device.Length + process.Length + destination.Length;

    private static void WriteRecord(Span<char> record, ReadOnlySpan<char> device, ReadOnlySpan<char> process, ReadOnlySpan<char> destination, int port)
    {
        WriteInt(record, 0, device.Length);
        WriteInt(record, 2, process.Length);
        WriteInt(record, 4, destination.Length);
        WriteInt(record, 6, port);
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

    private ulong Hash(ReadOnlySpan<char> record) => XxHash3.HashToUInt64(MemoryMarshal.AsBytes(record), _seed);

    private ulong Hash(in ChannelKey key)
    {
        var length = RecordLength(key.Device, key.Process, key.Destination);
        char[]? rented = null;
        var record = length <= 512 ? stackalloc char[length] : (rented = ArrayPool<char>.Shared.Rent(length)).AsSpan(0, length);
        WriteRecord(record, key.Device, key.Process, key.Destination, key.Port);
        var hash = Hash(record);
        if (rented is not null)
            ArrayPool<char>.Shared.Return(rented);
        return hash;
    }

    /// <summary>The key a record stands for, its device and process interned in the tables of the calling thread's batch.</summary>
    private static ChannelKey KeyOf(ReadOnlySpan<char> record, Batch batch)
    {
        var deviceLength = ReadInt(record, 0);
        var processLength = ReadInt(record, 2);
        var destinationLength = ReadInt(record, 4);
        var chars = record[RecordHeader..];
        // Devices and processes repeat across a fleet's channels (a few hundred values) and are
        // interned in small tables of their own that stay in cache. The destination is shared by
        // few channels and gets a string of its own: interning it through a table of tens of
        // thousands of addresses cost more than the string (about 5 % of a seed-rule run on the
        // 1M-row export, for 7 MB more).
        var device = chars[..deviceLength];
        var process = chars.Slice(deviceLength, processLength);
        return new ChannelKey(
            device.IsEmpty ? string.Empty : batch.Devices.Intern(device),
            process.IsEmpty ? string.Empty : batch.Processes.Intern(process),
            new string(chars.Slice(deviceLength + processLength, destinationLength)),
            ReadInt(record, 6));
    }

    /// <summary>Applies a full batch: first touches what it will update (see the remarks), then updates under the stripes' locks.</summary>
    private void Apply(Batch batch)
    {
        var items = batch.Items.AsSpan(0, batch.Count);
        long touched = 0;
        foreach (ref readonly var item in items)
            touched += StripeOf(item.Hash).Summaries.TouchSlot(item.Hash);
        foreach (ref readonly var item in items)
            touched += StripeOf(item.Hash).Summaries.TouchEntry(item.Hash);
        // Kept so the reads above are not dropped as dead code.
        batch.Touched = touched;
        foreach (ref readonly var item in items)
        {
            var stripe = StripeOf(item.Hash);
            lock (stripe.Lock)
            {
                ref var summary = ref stripe.Summaries.Find(item.Hash, out var inserted);
                if (inserted)
                    stripe.Summaries.SetKey(KeyOf(batch.Record(item), batch));
                summary.AddHashed(item.Ticks, item.Sent, item.Received, item.Url);
            }
        }
        batch.Clear();
    }

    /// <summary>Applies every thread's partial batch; only once no thread adds events any more.</summary>
    private void ApplyBatches()
    {
        foreach (var batch in _batches.Values)
        {
            if (batch.Count > 0)
                Apply(batch);
        }
    }

    private Stripe StripeOf(ulong hash) => _stripes[hash >> (64 - StripeBits)];

    /// <summary>
    /// The per-channel summaries for the window ending at as-of. When as-of was not given, it
    /// is <paramref name="latestEventTicks"/> (the latest timestamp of every event read, not only
    /// of those this grouping saw), or the latest this grouping saw when that is null.
    /// </summary>
    /// <remarks>Not to be called while events are still being added.</remarks>
    public IReadOnlyDictionary<ChannelKey, ConnectionSummary> Summarize(long? latestEventTicks = null)
    {
        ApplyBatches();
        if (_asOfTicks is null)
        {
            var asOf = latestEventTicks ?? _stripes.Max(s => s.LatestTicks);
            foreach (var stripe in _stripes)
                stripe.SummarizePending(asOf - _windowTicks, asOf);
        }
        return new SummaryView(this);
    }

    /// <summary>What <see cref="Select{T}"/> asks of each channel: a value, or null for none.</summary>
    public delegate T? SummarySelector<T>(in ChannelKey key, in ConnectionSummary summary) where T : class;

    /// <summary>
    /// The values <paramref name="select"/> gives for the summarized channels (call
    /// <see cref="Summarize"/> first), in no particular order, the stripes walked on up to
    /// <paramref name="threads"/> threads.
    /// </summary>
    /// <remarks>
    /// Walking 143k channels through the dictionary view (an iterator per stripe, a 104-byte pair
    /// copied at each step) took one thread about 12 ms at the end of a seed-rule run on the 1M-row
    /// export while the other had nothing to do (perf timeline); here each entry is read in place.
    /// </remarks>
    public List<T> Select<T>(SummarySelector<T> select, int threads) where T : class
    {
        ApplyBatches();
        var found = new List<T>[_stripes.Length];
        Parallel.For(0, _stripes.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) },
            i => found[i] = _stripes[i].Summaries.Select(select));
        return [.. found.SelectMany(values => values)];
    }

    /// <summary>
    /// Folds in the channels grouped by another instance over other events of the same inputs.
    /// <paramref name="other"/> must not be used afterwards.
    /// </summary>
    public void Merge(WindowedChannels other)
    {
        if (other._windowTicks != _windowTicks || other._asOfTicks != _asOfTicks)
            throw new ArgumentException("Only channels grouped over the same window can be merged.", nameof(other));
        ApplyBatches();
        other.ApplyBatches();
        _outsideWindowMerged += other._outsideWindowMerged + other._batches.Values.Sum(b => b.OutsideWindow);
        foreach (var theirs in other._stripes)
        {
            // The other instance hashes with its own seed: its keys are hashed again here.
            foreach (var (key, summary) in theirs.Summaries)
                SummaryOf(key).Merge(summary);
            foreach (var pending in theirs.Pending.Values)
            {
                var hash = Hash(pending.Key);
                StripeOf(hash).MergePending(hash, pending);
            }
            // The other instance's prunes and running maximum count as this one's.
            var first = _stripes[0];
            first.OutsideWindow += theirs.OutsideWindow;
            first.LatestTicks = Math.Max(first.LatestTicks, theirs.LatestTicks);
        }
    }

    private ref ConnectionSummary SummaryOf(in ChannelKey key)
    {
        var hash = Hash(key);
        var table = StripeOf(hash).Summaries;
        ref var summary = ref table.Find(hash, out var inserted);
        if (inserted)
            table.SetKey(key);
        return ref summary;
    }

    /// <summary>One thread's events waiting to be applied, with their keys' records, and its count of events outside the window.</summary>
    private sealed class Batch(WindowedChannels owner)
    {
        public readonly WindowedChannels Owner = owner;

        // This thread's tables of device and process names: a fleet has a few hundred of each,
        // repeated over its channels, so they stay small and in cache. Reached through the batch
        // the thread already holds, not a thread-local lookup per new channel.
        public readonly HashedStrings Devices = new(owner._canonical);
        public readonly HashedStrings Processes = new(owner._canonical);
        public readonly BatchedEvent[] Items = new BatchedEvent[BatchSize];
        public int Count;
        public long OutsideWindow;
        public long Touched;

        private const int MaxRecordChars = BatchSize * 1024;

        // The records of the batched events' keys, back to back; about 60 characters an event.
        private char[] _records = new char[BatchSize * 128];
        private int _used;

        /// <summary>Adds an event; true when the batch is full.</summary>
        public bool Add(ReadOnlySpan<char> device, ReadOnlySpan<char> process, ReadOnlySpan<char> destination, int port,
            long ticks, long? sent, long? received, ulong? url)
        {
            var length = RecordLength(device, process, destination);
            if (_records.Length - _used < length)
                Array.Resize(ref _records, Math.Max(_records.Length * 2, _used + length));
            var record = _records.AsSpan(_used, length);
            WriteRecord(record, device, process, destination, port);
            Items[Count++] = new BatchedEvent(Owner.Hash(record), _used, length, ticks, sent, received, url);
            _used += length;
            // A batch of hostile rows (device names of megabytes) is applied as soon as its
            // records pass the cap, so the buffer never holds more than one such row past it.
            return Count == Items.Length || _used > MaxRecordChars;
        }

        public ReadOnlySpan<char> Record(in BatchedEvent item) => _records.AsSpan(item.RecordStart, item.RecordLength);

        public void Clear()
        {
            Count = 0;
            _used = 0;
            // A hostile row (a device name of megabytes) may have grown the buffer: do not keep it.
            if (_records.Length > MaxRecordChars)
                _records = new char[BatchSize * 128];
        }
    }

    private readonly record struct BatchedEvent(ulong Hash, int RecordStart, int RecordLength, long Ticks, long? Sent, long? Received, ulong? Url);

    private sealed class Stripe
    {
        public readonly Lock Lock = new();

        public readonly SummaryTable Summaries = new();
        public readonly Dictionary<ulong, PendingEvents> Pending = [];
        public long LatestTicks = long.MinValue;
        public long OutsideWindow;
        private long _pendingCount;
        private long _pendingAtLastPrune;

        public void AddPending(Batch batch, ulong hash, ReadOnlySpan<char> record, long ticks, long? sent, long? received, ulong? url, long windowTicks)
        {
            if (ticks > LatestTicks)
                LatestTicks = ticks;
            if (ticks <= LatestTicks - windowTicks)
            {
                OutsideWindow++;
                return;
            }
            ref var pending = ref CollectionsMarshal.GetValueRefOrAddDefault(Pending, hash, out _);
            pending ??= new PendingEvents(KeyOf(record, batch));
            pending.Add(ticks, sent, received, url);
            _pendingCount++;
            // Prune when the pending set has doubled: amortized O(1) per event.
            if (_pendingCount > 2 * _pendingAtLastPrune + PruneFloorPerStripe)
                Prune(LatestTicks - windowTicks);
        }

        public void MergePending(ulong hash, PendingEvents pending)
        {
            if (Pending.TryGetValue(hash, out var mine))
                mine.Append(pending);
            else
                Pending.Add(hash, pending);
            _pendingCount += pending.Count;
        }

        public void SummarizePending(long from, long asOf)
        {
            foreach (var (hash, pending) in Pending)
            {
                for (var i = 0; i < pending.Count; i++)
                {
                    var ticks = pending.Ticks[i];
                    if (ticks <= from || ticks > asOf)
                    {
                        OutsideWindow++;
                        continue;
                    }
                    ref var summary = ref Summaries.Find(hash, out var inserted);
                    if (inserted)
                        Summaries.SetKey(pending.Key);
                    summary.AddHashed(ticks, pending.Sent?[i], pending.Received?[i], pending.Urls?[i]);
                }
            }
            Pending.Clear();
            _pendingCount = 0;
        }

        private void Prune(long from)
        {
            long kept = 0;
            foreach (var pending in Pending.Values)
            {
                OutsideWindow += pending.RemoveAtOrBefore(from);
                kept += pending.Count;
            }
            _pendingCount = kept;
            _pendingAtLastPrune = kept;
        }
    }

    /// <summary>The summaries of every stripe, read as one dictionary.</summary>
    private sealed class SummaryView(WindowedChannels channels) : IReadOnlyDictionary<ChannelKey, ConnectionSummary>
    {
        public ConnectionSummary this[ChannelKey key] =>
            TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"No channel {key}.");

        public IEnumerable<ChannelKey> Keys => this.Select(kv => kv.Key);

        public IEnumerable<ConnectionSummary> Values => this.Select(kv => kv.Value);

        public int Count => channels._stripes.Sum(s => s.Summaries.Count);

        public bool ContainsKey(ChannelKey key) => TryGetValue(key, out _);

        public bool TryGetValue(ChannelKey key, [MaybeNullWhen(false)] out ConnectionSummary value)
        {
            var hash = channels.Hash(key);
            return channels.StripeOf(hash).Summaries.TryGetValue(hash, out value);
        }

        public IEnumerator<KeyValuePair<ChannelKey, ConnectionSummary>> GetEnumerator()
        {
            foreach (var stripe in channels._stripes)
            {
                foreach (var pair in stripe.Summaries)
                    yield return pair;
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>
    /// One stripe's summaries: open addressing over slots that hold a key's hash and the index of
    /// its entry, and the entries (hash, key and summary side by side) in insertion order. Unlike
    /// a Dictionary, its slots and entries can be read ahead of the update (<see cref="TouchSlot"/>,
    /// <see cref="TouchEntry"/>); those reads take no lock and tolerate a concurrent grow, since
    /// they only warm the cache.
    /// </summary>
    private sealed class SummaryTable : IEnumerable<KeyValuePair<ChannelKey, ConnectionSummary>>
    {
        // Entries live in chunks that are not copied once full: growing by doubling wrote every
        // entry twice into fresh pages, and a first write to a fresh page is a page fault (with a
        // TLB flush on the other core, perf: about 5 % of a run). 1,024 entries (~100 KB) put a
        // full chunk on the large object heap, where the GC does not copy it either. The first
        // chunk starts small and doubles up to that, so a small input's 64 stripes stay small.
        private const int FirstChunkSize = 16;
        private const int ChunkBits = 10;
        private const int ChunkSize = 1 << ChunkBits;

        private Slot[] _slots = new Slot[64];
        private Entry[][] _chunks = [];

        public int Count { get; private set; }

        public int TouchSlot(ulong hash)
        {
            var slots = _slots;
            return slots[(int)hash & (slots.Length - 1)].Index;
        }

        public long TouchEntry(ulong hash)
        {
            var slots = _slots;
            var index = slots[(int)hash & (slots.Length - 1)].Index - 1;
            var chunks = _chunks;
            if ((uint)(index >> ChunkBits) >= (uint)chunks.Length)
                return 0;
            var chunk = chunks[index >> ChunkBits];
            var offset = index & (ChunkSize - 1);
            if (chunk is null || offset >= chunk.Length)
                return 0;
            return chunk[offset].Summary.LastTicks + (long)chunk[offset].Hash;
        }

        private ref Entry At(int index) => ref _chunks[index >> ChunkBits][index & (ChunkSize - 1)];

        /// <summary>
        /// The channel's summary, in place, added empty when new; then <paramref name="inserted"/>
        /// is true and the caller must <see cref="SetKey"/> before the next insert.
        /// </summary>
        public ref ConnectionSummary Find(ulong hash, out bool inserted)
        {
            var slots = _slots;
            var mask = slots.Length - 1;
            for (var i = (int)hash & mask; ; i = (i + 1) & mask)
            {
                var slot = slots[i];
                if (slot.Index == 0)
                {
                    inserted = true;
                    return ref Insert(hash, i);
                }
                if (slot.Hash == (int)hash && At(slot.Index - 1).Hash == hash)
                {
                    inserted = false;
                    return ref At(slot.Index - 1).Summary;
                }
            }
        }

        /// <summary>Names the entry <see cref="Find"/> has just inserted.</summary>
        public void SetKey(in ChannelKey key) => At(Count - 1).Key = key;

        public bool TryGetValue(ulong hash, out ConnectionSummary value)
        {
            var slots = _slots;
            var mask = slots.Length - 1;
            for (var i = (int)hash & mask; ; i = (i + 1) & mask)
            {
                var slot = slots[i];
                if (slot.Index == 0)
                {
                    value = default;
                    return false;
                }
                if (slot.Hash == (int)hash && At(slot.Index - 1).Hash == hash)
                {
                    value = At(slot.Index - 1).Summary;
                    return true;
                }
            }
        }

        private ref ConnectionSummary Insert(ulong hash, int slot)
        {
            // Chunks and the chunk list are replaced, never resized in place: threads reading
            // ahead without the lock (TouchEntry) may hold the old ones.
            var chunkIndex = Count >> ChunkBits;
            if (chunkIndex == _chunks.Length)
            {
                var chunks = new Entry[_chunks.Length + 1][];
                _chunks.CopyTo(chunks, 0);
                chunks[^1] = chunkIndex == 0 ? new Entry[FirstChunkSize] : WrittenFirst(new Entry[ChunkSize]);
                _chunks = chunks;
            }
            else if ((Count & (ChunkSize - 1)) == _chunks[chunkIndex].Length)
            {
                var full = _chunks[chunkIndex];
                var size = Math.Min(full.Length * 2, ChunkSize);
                var grown = size == ChunkSize ? WrittenFirst(new Entry[size]) : new Entry[size];
                full.CopyTo(grown, 0);
                _chunks[chunkIndex] = grown;
            }
            // The whole entry is written, though the chunk is zeroed already: see WrittenFirst.
            At(Count) = new Entry { Hash = hash };
            _slots[slot] = new Slot((int)hash, ++Count);
            ref var summary = ref At(Count - 1).Summary;
            // Half full at most: linear probing stays short.
            if (Count * 2 > _slots.Length)
                Grow();
            return ref summary;
        }

        private void Grow()
        {
            var slots = WrittenFirst(new Slot[_slots.Length * 2]);
            var mask = slots.Length - 1;
            foreach (var slot in _slots)
            {
                if (slot.Index == 0)
                    continue;
                var i = slot.Hash & mask;
                while (slots[i].Index != 0)
                    i = (i + 1) & mask;
                slots[i] = slot;
            }
            _slots = slots;
        }

        /// <summary>The array, its pages written once (with zeros) before anything reads them.</summary>
        /// <remarks>
        /// A large array's memory comes fresh from the kernel, mapped on first touch. When the
        /// first touch is a read (a new summary's read-modify-write, a grown slot array probed
        /// before its slot is written), the kernel maps the shared zero page, and the write after
        /// it copies the page and flushes the other core's TLB by interrupt, which a VM makes
        /// costly: about 4 % of a seed-rule run on the 1M-row export (perf: do_wp_page and
        /// flush_tlb_mm_range under AddHashed). A write first maps each page once. A full-size
        /// chunk is written whole when it is made, though its unused tail then takes memory
        /// (about 4 MB over the 64 stripes): entries written only as they are appended left the
        /// tail to the garbage collector, whose marking reads every entry of a chunk and so maps
        /// the zero page under the rest (2-3 % of a run in the same interrupts, perf).
        /// </remarks>
        private static T[] WrittenFirst<T>(T[] array)
        {
            Array.Clear(array);
            return array;
        }

        public List<T> Select<T>(SummarySelector<T> select) where T : class
        {
            var values = new List<T>();
            for (var i = 0; i < Count; i++)
            {
                ref readonly var entry = ref At(i);
                if (select(in entry.Key, in entry.Summary) is { } value)
                    values.Add(value);
            }
            return values;
        }

        public IEnumerator<KeyValuePair<ChannelKey, ConnectionSummary>> GetEnumerator()
        {
            for (var i = 0; i < Count; i++)
                yield return new KeyValuePair<ChannelKey, ConnectionSummary>(At(i).Key, At(i).Summary);
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        /// <param name="Hash">The low 32 bits of the key's hash.</param>
        /// <param name="Index">1 + the entry's index; 0 marks an empty slot.</param>
        private readonly record struct Slot(int Hash, int Index);

        private struct Entry
        {
            public ulong Hash;
            public ChannelKey Key;
            public ConnectionSummary Summary;
        }
    }

    /// <summary>Events of one channel kept column-wise; the optional columns exist only once a value arrives.</summary>
    private sealed class PendingEvents(ChannelKey key)
    {
        public ChannelKey Key { get; } = key;
        public List<long> Ticks { get; } = [];
        public List<long?>? Sent { get; private set; }
        public List<long?>? Received { get; private set; }
        public List<ulong?>? Urls { get; private set; }
        public int Count => Ticks.Count;

        public void Add(long ticks, long? sent, long? received, ulong? url)
        {
            if (sent is not null && Sent is null)
                Sent = [.. Enumerable.Repeat<long?>(null, Count)];
            if (received is not null && Received is null)
                Received = [.. Enumerable.Repeat<long?>(null, Count)];
            if (url is not null && Urls is null)
                Urls = [.. Enumerable.Repeat<ulong?>(null, Count)];
            Ticks.Add(ticks);
            Sent?.Add(sent);
            Received?.Add(received);
            Urls?.Add(url);
        }

        public void Append(PendingEvents other)
        {
            for (var i = 0; i < other.Count; i++)
                Add(other.Ticks[i], other.Sent?[i], other.Received?[i], other.Urls?[i]);
        }

        public int RemoveAtOrBefore(long fromTicks)
        {
            var write = 0;
            for (var read = 0; read < Ticks.Count; read++)
            {
                if (Ticks[read] <= fromTicks)
                    continue;
                Ticks[write] = Ticks[read];
                if (Sent is not null) Sent[write] = Sent[read];
                if (Received is not null) Received[write] = Received[read];
                if (Urls is not null) Urls[write] = Urls[read];
                write++;
            }
            var removed = Ticks.Count - write;
            Ticks.RemoveRange(write, removed);
            Sent?.RemoveRange(write, removed);
            Received?.RemoveRange(write, removed);
            Urls?.RemoveRange(write, removed);
            return removed;
        }
    }
}
