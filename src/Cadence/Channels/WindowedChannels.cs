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
    private readonly Stripe[] _stripes;
    private long _outsideWindowOnArrival;

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
    public int Count => _stripes.Sum(s => s.Summaries.Count + s.Pending.Count);

    /// <summary>Events that fell outside the window (before it, or after as-of).</summary>
    public long OutsideWindow => Interlocked.Read(ref _outsideWindowOnArrival) + _stripes.Sum(s => s.OutsideWindow);

    public void Add(in ChannelKey key, in NetworkEvent e)
    {
        var ticks = e.TimestampTicks;
        if (_asOfTicks is { } asOf)
        {
            if (ticks > asOf || ticks <= asOf - _windowTicks)
            {
                Interlocked.Increment(ref _outsideWindowOnArrival);
                return;
            }
        }
        var hashed = new HashedKey(key, _comparer.GetHashCode(key));
        var stripe = _stripes[(uint)hashed.Hash >> (32 - StripeBits)];
        lock (stripe.Lock)
        {
            if (_asOfTicks is not null)
                stripe.Summary(hashed).Add(ticks, e.SentBytes, e.ReceivedBytes, e.RemoteUrl);
            else
                stripe.AddPending(hashed, ticks, e.SentBytes, e.ReceivedBytes, e.RemoteUrl, _windowTicks);
        }
    }

    /// <summary>
    /// The per-channel summaries for the window ending at as-of. When as-of was not given, it
    /// is <paramref name="latestEventTicks"/> (the latest timestamp of every event read, not only
    /// of those this grouping saw), or the latest this grouping saw when that is null.
    /// </summary>
    /// <remarks>Not to be called while events are still being added.</remarks>
    public IReadOnlyDictionary<ChannelKey, ConnectionSummary> Summarize(long? latestEventTicks = null)
    {
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
        _outsideWindowOnArrival += other._outsideWindowOnArrival;
        foreach (var theirs in other._stripes)
        {
            foreach (var (key, summary) in theirs.Summaries)
                StripeOf(key.Key, out var hashed).Summary(hashed).Merge(summary);
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
        return _stripes[(uint)hashed.Hash >> (32 - StripeBits)];
    }

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
        public readonly Dictionary<HashedKey, ConnectionSummary> Summaries = new(keys);
        public readonly Dictionary<HashedKey, PendingEvents> Pending = new(keys);
        public long LatestTicks = long.MinValue;
        public long OutsideWindow;
        private long _pendingCount;
        private long _pendingAtLastPrune;

        /// <summary>The channel's summary, in place: one hash lookup per event, whether the channel is new or not.</summary>
        public ref ConnectionSummary Summary(in HashedKey key) =>
            ref CollectionsMarshal.GetValueRefOrAddDefault(Summaries, key, out _);

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
                    Summary(key).Add(ticks, pending.Sent?[i], pending.Received?[i], pending.Urls?[i]);
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
                foreach (var (key, summary) in stripe.Summaries)
                    yield return new KeyValuePair<ChannelKey, ConnectionSummary>(key.Key, summary);
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
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
