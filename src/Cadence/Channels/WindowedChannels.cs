using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
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
/// </remarks>
public sealed class WindowedChannels
{
    private const int StripeBits = 6;
    private const int StripeCount = 1 << StripeBits;

    // A stripe's pending events are pruned when they have doubled since its last prune, once
    // past this: the whole table's first prune still comes after about 65,536 events.
    private const int PruneFloorPerStripe = 65_536 / StripeCount;

    private readonly long _windowTicks;
    private readonly long? _asOfTicks;
    private readonly ChannelKeyComparer _comparer = new();
    // Enough events for their misses to overlap; few enough that a batch stays in L1.
    private const int BatchSize = 64;

    private readonly Stripe[] _stripes;
    private readonly ThreadLocal<Batch> _batches = new(() => new Batch(), trackAllValues: true);
    private long _outsideWindowMerged;

    public WindowedChannels(TimeSpan window, DateTime? asOf)
    {
        if (window <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(window), window, "The window must be positive.");
        _windowTicks = window.Ticks;
        _asOfTicks = asOf?.ToUniversalTime().Ticks;
        _stripes = new Stripe[StripeCount];
        var keys = new HashedKeyComparer(_comparer);
        for (var i = 0; i < _stripes.Length; i++)
            _stripes[i] = new Stripe(keys);
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
    /// (as-of given); <see cref="Add"/> would only count it.
    /// </summary>
    public bool IsOutsideKnownWindow(long ticks) =>
        _asOfTicks is { } asOf && (ticks > asOf || ticks <= asOf - _windowTicks);

    public void Add(in ChannelKey key, in NetworkEvent e)
    {
        var ticks = e.TimestampTicks;
        if (_asOfTicks is { } asOf)
        {
            var batch = _batches.Value!;
            if (ticks > asOf || ticks <= asOf - _windowTicks)
            {
                batch.OutsideWindow++;
                return;
            }
            if (batch.Add(new HashedKey(key, _comparer.GetHashCode(key)), ticks, e.SentBytes, e.ReceivedBytes, e.RemoteUrl))
                Apply(batch);
            return;
        }
        var hashed = new HashedKey(key, _comparer.GetHashCode(key));
        var stripe = StripeOf(hashed.Hash);
        lock (stripe.Lock)
            stripe.AddPending(hashed, ticks, e.SentBytes, e.ReceivedBytes, e.RemoteUrl, _windowTicks);
    }

    /// <summary>Applies a full batch: first touches what it will update (see the remarks), then updates under the stripes' locks.</summary>
    private void Apply(Batch batch)
    {
        var items = batch.Items.AsSpan(0, batch.Count);
        long touched = 0;
        foreach (ref readonly var item in items)
            touched += StripeOf(item.Key.Hash).Summaries.TouchSlot(item.Key.Hash);
        foreach (ref readonly var item in items)
            touched += StripeOf(item.Key.Hash).Summaries.TouchEntry(item.Key.Hash);
        // Kept so the reads above are not dropped as dead code.
        batch.Touched = touched;
        foreach (ref readonly var item in items)
        {
            var stripe = StripeOf(item.Key.Hash);
            lock (stripe.Lock)
                stripe.Summaries.Summary(item.Key).Add(item.Ticks, item.Sent, item.Received, item.Url);
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

    private Stripe StripeOf(int hash) => _stripes[(uint)hash >> (32 - StripeBits)];

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
            foreach (var (key, summary) in theirs.Summaries)
                StripeOf(key, out var hashed).Summaries.Summary(hashed).Merge(summary);
            foreach (var (key, pending) in theirs.Pending)
                StripeOf(key.Key, out var hashed).MergePending(hashed, pending);
            // The other instance's prunes and running maximum count as this one's.
            var first = _stripes[0];
            first.OutsideWindow += theirs.OutsideWindow;
            first.LatestTicks = Math.Max(first.LatestTicks, theirs.LatestTicks);
        }
    }

    private Stripe StripeOf(in ChannelKey key, out HashedKey hashed)
    {
        hashed = new HashedKey(key, _comparer.GetHashCode(key));
        return StripeOf(hashed.Hash);
    }

    /// <summary>One thread's events waiting to be applied, and its count of events outside the window.</summary>
    private sealed class Batch
    {
        public readonly BatchedEvent[] Items = new BatchedEvent[BatchSize];
        public int Count;
        public long OutsideWindow;
        public long Touched;

        /// <summary>Adds an event; true when the batch is full.</summary>
        public bool Add(in HashedKey key, long ticks, long? sent, long? received, string? url)
        {
            Items[Count++] = new BatchedEvent(key, ticks, sent, received, url);
            return Count == Items.Length;
        }

        public void Clear()
        {
            // The strings stay referenced until overwritten: at most one batch per thread.
            Count = 0;
        }
    }

    private readonly record struct BatchedEvent(HashedKey Key, long Ticks, long? Sent, long? Received, string? Url);

    /// <summary>A key with its hash, computed once per event: it picks the stripe and the bucket within it.</summary>
    private readonly record struct HashedKey(ChannelKey Key, int Hash);

    private sealed class HashedKeyComparer(ChannelKeyComparer keys) : IEqualityComparer<HashedKey>
    {
        public bool Equals(HashedKey x, HashedKey y) => x.Hash == y.Hash && keys.Equals(x.Key, y.Key);

        public int GetHashCode(HashedKey key) => key.Hash;
    }

    private sealed class Stripe(HashedKeyComparer keys)
    {
        public readonly Lock Lock = new();
        public readonly SummaryTable Summaries = new(keys);
        public readonly Dictionary<HashedKey, PendingEvents> Pending = new(keys);
        public long LatestTicks = long.MinValue;
        public long OutsideWindow;
        private long _pendingCount;
        private long _pendingAtLastPrune;

        public void AddPending(in HashedKey key, long ticks, long? sent, long? received, string? url, long windowTicks)
        {
            if (ticks > LatestTicks)
                LatestTicks = ticks;
            if (ticks <= LatestTicks - windowTicks)
            {
                OutsideWindow++;
                return;
            }
            ref var pending = ref CollectionsMarshal.GetValueRefOrAddDefault(Pending, key, out _);
            pending ??= new PendingEvents();
            pending.Add(ticks, sent, received, url);
            _pendingCount++;
            // Prune when the pending set has doubled: amortized O(1) per event.
            if (_pendingCount > 2 * _pendingAtLastPrune + PruneFloorPerStripe)
                Prune(LatestTicks - windowTicks);
        }

        public void MergePending(in HashedKey key, PendingEvents pending)
        {
            if (Pending.TryGetValue(key, out var mine))
                mine.Append(pending);
            else
                Pending.Add(key, pending);
            _pendingCount += pending.Count;
        }

        public void SummarizePending(long from, long asOf)
        {
            foreach (var (key, pending) in Pending)
            {
                for (var i = 0; i < pending.Count; i++)
                {
                    var ticks = pending.Ticks[i];
                    if (ticks <= from || ticks > asOf)
                    {
                        OutsideWindow++;
                        continue;
                    }
                    Summaries.Summary(key).Add(ticks, pending.Sent?[i], pending.Received?[i], pending.Urls?[i]);
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

        public bool TryGetValue(ChannelKey key, [MaybeNullWhen(false)] out ConnectionSummary value) =>
            channels.StripeOf(key, out var hashed).Summaries.TryGetValue(hashed, out value);

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
    /// its entry, and the entries (key and summary side by side) in insertion order. Unlike a
    /// Dictionary, its slots and entries can be read ahead of the update (<see cref="TouchSlot"/>,
    /// <see cref="TouchEntry"/>); those reads take no lock and tolerate a concurrent grow, since
    /// they only warm the cache.
    /// </summary>
    private sealed class SummaryTable(HashedKeyComparer keys) : IEnumerable<KeyValuePair<ChannelKey, ConnectionSummary>>
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

        public int TouchSlot(int hash)
        {
            var slots = _slots;
            return slots[hash & (slots.Length - 1)].Index;
        }

        public long TouchEntry(int hash)
        {
            var slots = _slots;
            var index = slots[hash & (slots.Length - 1)].Index - 1;
            var chunks = _chunks;
            if ((uint)(index >> ChunkBits) >= (uint)chunks.Length)
                return 0;
            var chunk = chunks[index >> ChunkBits];
            var offset = index & (ChunkSize - 1);
            if (chunk is null || offset >= chunk.Length)
                return 0;
            return chunk[offset].Summary.LastTicks + chunk[offset].Key.Hash;
        }

        private ref Entry At(int index) => ref _chunks[index >> ChunkBits][index & (ChunkSize - 1)];

        /// <summary>The channel's summary, in place, added empty when new.</summary>
        public ref ConnectionSummary Summary(in HashedKey key)
        {
            var slots = _slots;
            var mask = slots.Length - 1;
            for (var i = key.Hash & mask; ; i = (i + 1) & mask)
            {
                var slot = slots[i];
                if (slot.Index == 0)
                    return ref Insert(key, i);
                if (slot.Hash == key.Hash && keys.Equals(At(slot.Index - 1).Key, key))
                    return ref At(slot.Index - 1).Summary;
            }
        }

        public bool TryGetValue(in HashedKey key, out ConnectionSummary value)
        {
            var slots = _slots;
            var mask = slots.Length - 1;
            for (var i = key.Hash & mask; ; i = (i + 1) & mask)
            {
                var slot = slots[i];
                if (slot.Index == 0)
                {
                    value = default;
                    return false;
                }
                if (slot.Hash == key.Hash && keys.Equals(At(slot.Index - 1).Key, key))
                {
                    value = At(slot.Index - 1).Summary;
                    return true;
                }
            }
        }

        private ref ConnectionSummary Insert(in HashedKey key, int slot)
        {
            // Chunks and the chunk list are replaced, never resized in place: threads reading
            // ahead without the lock (TouchEntry) may hold the old ones.
            var chunkIndex = Count >> ChunkBits;
            if (chunkIndex == _chunks.Length)
            {
                var chunks = new Entry[_chunks.Length + 1][];
                _chunks.CopyTo(chunks, 0);
                chunks[^1] = new Entry[chunkIndex == 0 ? FirstChunkSize : ChunkSize];
                _chunks = chunks;
            }
            else if ((Count & (ChunkSize - 1)) == _chunks[chunkIndex].Length)
            {
                var grown = _chunks[chunkIndex];
                Array.Resize(ref grown, Math.Min(grown.Length * 2, ChunkSize));
                _chunks[chunkIndex] = grown;
            }
            // Only the key is written: the chunk is zeroed, and the empty summary is default.
            At(Count).Key = key;
            _slots[slot] = new Slot(key.Hash, ++Count);
            ref var summary = ref At(Count - 1).Summary;
            // Half full at most: linear probing stays short.
            if (Count * 2 > _slots.Length)
                Grow();
            return ref summary;
        }

        private void Grow()
        {
            var slots = new Slot[_slots.Length * 2];
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

        public IEnumerator<KeyValuePair<ChannelKey, ConnectionSummary>> GetEnumerator()
        {
            for (var i = 0; i < Count; i++)
                yield return new KeyValuePair<ChannelKey, ConnectionSummary>(At(i).Key.Key, At(i).Summary);
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        /// <param name="Index">1 + the entry's index; 0 marks an empty slot.</param>
        private readonly record struct Slot(int Hash, int Index);

        private struct Entry
        {
            public HashedKey Key;
            public ConnectionSummary Summary;
        }
    }

    /// <summary>Events of one channel kept column-wise; the optional columns exist only once a value arrives.</summary>
    private sealed class PendingEvents
    {
        public List<long> Ticks { get; } = [];
        public List<long?>? Sent { get; private set; }
        public List<long?>? Received { get; private set; }
        public List<string?>? Urls { get; private set; }
        public int Count => Ticks.Count;

        public void Add(long ticks, long? sent, long? received, string? url)
        {
            if (sent is not null && Sent is null)
                Sent = [.. Enumerable.Repeat<long?>(null, Count)];
            if (received is not null && Received is null)
                Received = [.. Enumerable.Repeat<long?>(null, Count)];
            if (url is not null && Urls is null)
                Urls = [.. Enumerable.Repeat<string?>(null, Count)];
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
