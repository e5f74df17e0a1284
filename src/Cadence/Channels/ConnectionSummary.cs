namespace Cadence.Channels;

/// <summary>
/// What a summarize over one channel keeps: the count, the byte sums, the distinct URLs and the
/// first and last timestamps. Byte sums ignore events without a count and stay null when no
/// event had one, as Kusto's sum() ignores nulls.
/// </summary>
public sealed class ConnectionSummary
{
    private readonly HashSet<string> _urls = new(StringComparer.Ordinal);

    public long Count { get; private set; }

    public long? BytesSent { get; private set; }

    public long? BytesReceived { get; private set; }

    public long FirstTicks { get; private set; } = long.MaxValue;

    public long LastTicks { get; private set; } = long.MinValue;

    /// <summary>Exact distinct count of RemoteUrl values (Kusto's dcount is an estimate; exact is never worse).</summary>
    public int DistinctUrls => _urls.Count;

    /// <summary>Folds in a summary of the same channel built on another thread.</summary>
    public void Merge(ConnectionSummary other)
    {
        Count += other.Count;
        if (other.BytesSent is { } s)
            BytesSent = (BytesSent ?? 0) + s;
        if (other.BytesReceived is { } r)
            BytesReceived = (BytesReceived ?? 0) + r;
        FirstTicks = Math.Min(FirstTicks, other.FirstTicks);
        LastTicks = Math.Max(LastTicks, other.LastTicks);
        _urls.UnionWith(other._urls);
    }

    public void Add(long ticks, long? sent, long? received, string? url)
    {
        Count++;
        if (sent is { } s)
            BytesSent = (BytesSent ?? 0) + s;
        if (received is { } r)
            BytesReceived = (BytesReceived ?? 0) + r;
        if (ticks < FirstTicks)
            FirstTicks = ticks;
        if (ticks > LastTicks)
            LastTicks = ticks;
        // Kusto strings are never null: an empty RemoteUrl is a value of its own. An export
        // without the column has no values at all.
        if (url is not null)
            _urls.Add(url);
    }
}
