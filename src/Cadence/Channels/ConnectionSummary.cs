namespace Cadence.Channels;

/// <summary>
/// What a summarize over one channel keeps: the count, the byte sums, the distinct URLs and the
/// first and last timestamps. Byte sums ignore events without a count and stay null when no
/// event had one, as Kusto's sum() ignores nulls.
/// </summary>
/// <remarks>
/// A mutable struct kept inside the grouping dictionary's own entries (updated through a ref):
/// with a fleet's hundreds of thousands of channels, a separate object per channel was one more
/// cache miss per event. <c>default</c> is the empty summary.
/// </remarks>
public struct ConnectionSummary
{
    // Most channels see one URL; the set exists only from the second distinct one, which keeps a
    // fleet's hundreds of thousands of channels from each carrying an empty HashSet.
    private string? _firstUrl;
    private HashSet<string>? _urls;

    public long Count { get; private set; }

    public long? BytesSent { get; private set; }

    public long? BytesReceived { get; private set; }

    /// <summary>The earliest timestamp; meaningless while <see cref="Count"/> is 0.</summary>
    public long FirstTicks { get; private set; }

    /// <summary>The latest timestamp; meaningless while <see cref="Count"/> is 0.</summary>
    public long LastTicks { get; private set; }

    /// <summary>Exact distinct count of RemoteUrl values (Kusto's dcount is an estimate; exact is never worse).</summary>
    public readonly int DistinctUrls => _urls?.Count ?? (_firstUrl is null ? 0 : 1);

    /// <summary>Folds in a summary of the same channel built on another thread.</summary>
    public void Merge(in ConnectionSummary other)
    {
        if (other.Count == 0)
            return;
        FirstTicks = Count == 0 ? other.FirstTicks : Math.Min(FirstTicks, other.FirstTicks);
        LastTicks = Count == 0 ? other.LastTicks : Math.Max(LastTicks, other.LastTicks);
        Count += other.Count;
        if (other.BytesSent is { } s)
            BytesSent = (BytesSent ?? 0) + s;
        if (other.BytesReceived is { } r)
            BytesReceived = (BytesReceived ?? 0) + r;
        if (other._urls is not null)
        {
            foreach (var url in other._urls)
                AddUrl(url);
        }
        else if (other._firstUrl is not null)
        {
            AddUrl(other._firstUrl);
        }
    }

    public void Add(long ticks, long? sent, long? received, string? url)
    {
        if (Count++ == 0)
        {
            FirstTicks = ticks;
            LastTicks = ticks;
        }
        else if (ticks < FirstTicks)
        {
            FirstTicks = ticks;
        }
        else if (ticks > LastTicks)
        {
            LastTicks = ticks;
        }
        if (sent is { } s)
            BytesSent = (BytesSent ?? 0) + s;
        if (received is { } r)
            BytesReceived = (BytesReceived ?? 0) + r;
        // Kusto strings are never null: an empty RemoteUrl is a value of its own. An export
        // without the column has no values at all.
        if (url is not null)
            AddUrl(url);
    }

    private void AddUrl(string url)
    {
        if (_urls is not null)
        {
            _urls.Add(url);
        }
        else if (_firstUrl is null)
        {
            _firstUrl = url;
        }
        else if (!string.Equals(_firstUrl, url, StringComparison.Ordinal))
        {
            _urls = new HashSet<string>(StringComparer.Ordinal) { _firstUrl, url };
        }
    }
}
