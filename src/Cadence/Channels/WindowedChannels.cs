using System.Runtime.InteropServices;
using Cadence.Telemetry;

namespace Cadence.Channels;

/// <summary>
/// Groups events into channels and summarizes those inside a time window that ends at an
/// as-of time: (asOf - window, asOf], the semantics of KQL's <c>Timestamp &gt; ago(window)</c>
/// with now = asOf.
/// </summary>
/// <remarks>
/// When as-of is given, each event is summarized on arrival and memory grows with the number
/// of channels only. When as-of is the latest timestamp in the data, it is unknown until the
/// last row is read, so events that may still fall inside the window are kept column-wise per
/// channel (about 40 bytes each) and the ones the running maximum has already pushed out are
/// pruned as reading goes. Exact counts at an unknown boundary need the timestamps themselves.
/// </remarks>
public sealed class WindowedChannels
{
    private readonly long _windowTicks;
    private readonly long? _asOfTicks;
    private readonly Dictionary<ChannelKey, ConnectionSummary> _summaries = new(new ChannelKeyComparer());
    private readonly Dictionary<ChannelKey, PendingEvents> _pending = new(new ChannelKeyComparer());
    private long _latestTicks = long.MinValue;
    private long _pendingCount;
    private long _pendingAtLastPrune;

    public WindowedChannels(TimeSpan window, DateTime? asOf)
    {
        if (window <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(window), window, "The window must be positive.");
        _windowTicks = window.Ticks;
        _asOfTicks = asOf?.ToUniversalTime().Ticks;
    }

    /// <summary>Channels grouped so far (summarized and pending).</summary>
    public int Count => _summaries.Count + _pending.Count;

    /// <summary>Events that fell outside the window (before it, or after as-of).</summary>
    public long OutsideWindow { get; private set; }

    public void Add(in ChannelKey key, in NetworkEvent e)
    {
        var ticks = e.TimestampTicks;
        if (_asOfTicks is { } asOf)
        {
            if (ticks > asOf || ticks <= asOf - _windowTicks)
            {
                OutsideWindow++;
                return;
            }
            Summary(key).Add(ticks, e.SentBytes, e.ReceivedBytes, e.RemoteUrl);
            return;
        }

        if (ticks > _latestTicks)
            _latestTicks = ticks;
        if (ticks <= _latestTicks - _windowTicks)
        {
            OutsideWindow++;
            return;
        }
        ref var pending = ref CollectionsMarshal.GetValueRefOrAddDefault(_pending, key, out _);
        pending ??= new PendingEvents();
        pending.Add(ticks, e.SentBytes, e.ReceivedBytes, e.RemoteUrl);
        _pendingCount++;
        // Prune when the pending set has doubled: amortized O(1) per event.
        if (_pendingCount > 2 * _pendingAtLastPrune + 65_536)
            Prune();
    }

    /// <summary>
    /// The per-channel summaries for the window ending at as-of. When as-of was not given, it
    /// is <paramref name="latestEventTicks"/> (the latest timestamp of every event read, not only
    /// of those this grouping saw), or the latest this grouping saw when that is null.
    /// </summary>
    public IReadOnlyDictionary<ChannelKey, ConnectionSummary> Summarize(long? latestEventTicks = null)
    {
        if (_asOfTicks is not null)
            return _summaries;

        var asOf = latestEventTicks ?? _latestTicks;
        var from = asOf - _windowTicks;
        foreach (var (key, pending) in _pending)
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
        _pending.Clear();
        _pendingCount = 0;
        return _summaries;
    }

    /// <summary>
    /// Folds in the channels another thread grouped from other events of the same inputs, so
    /// that grouping can run beside parsing. <paramref name="other"/> must not be used afterwards.
    /// </summary>
    public void Merge(WindowedChannels other)
    {
        if (other._windowTicks != _windowTicks || other._asOfTicks != _asOfTicks)
            throw new ArgumentException("Only channels grouped over the same window can be merged.", nameof(other));
        OutsideWindow += other.OutsideWindow;
        foreach (var (key, summary) in other._summaries)
            Summary(key).Merge(summary);
        _latestTicks = Math.Max(_latestTicks, other._latestTicks);
        foreach (var (key, pending) in other._pending)
        {
            if (_pending.TryGetValue(key, out var mine))
                mine.Append(pending);
            else
                _pending.Add(key, pending);
            _pendingCount += pending.Count;
        }
    }

    /// <summary>The channel's summary, in place: one hash lookup per event, whether the channel is new or not.</summary>
    private ref ConnectionSummary Summary(in ChannelKey key) =>
        ref CollectionsMarshal.GetValueRefOrAddDefault(_summaries, key, out _);

    private void Prune()
    {
        var from = _latestTicks - _windowTicks;
        long kept = 0;
        foreach (var pending in _pending.Values)
        {
            OutsideWindow += pending.RemoveAtOrBefore(from);
            kept += pending.Count;
        }
        _pendingCount = kept;
        _pendingAtLastPrune = kept;
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
