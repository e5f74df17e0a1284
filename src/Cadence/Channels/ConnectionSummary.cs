using System.IO.Hashing;
using System.Runtime.InteropServices;

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
    // URLs are kept as keyed 64-bit hashes, not strings: the count is all the rule needs, a
    // reader can hash the URL's characters where they lie in the row without making a string of
    // them, and a fleet's channels hold 8 bytes per distinct URL instead of the URL. Two distinct
    // URLs share a hash with probability about n^2 / 2^65 (under 1e-9 for a million URLs in one
    // channel); the seed is random per process, so no one can craft a pair offline.
    // Most channels see one or two URLs (the host name, and the empty value when Defender did not
    // see the name); the set exists only from the third distinct one, which keeps a fleet's
    // hundreds of thousands of channels from each carrying a HashSet (on the benchmark's export,
    // a set from the second URL on was about 5 % of a seed-rule run and 100,000 small objects).
    private static readonly long UrlSeed = Random.Shared.NextInt64();
    private ulong _url0;
    private ulong _url1;
    private HashSet<ulong>? _urls;
    private long _sent;
    private long _received;

    // The inline URL count (0 to 2) and whether any byte count arrived, in one field: the summary
    // is updated in place for every event, and at 72 bytes (not 96 with two long? and an int) a
    // table entry spans fewer cache lines.
    private int _flags;
    private const int InlineUrlMask = 3;
    private const int HasSent = 4;
    private const int HasReceived = 8;

    private int InlineUrls
    {
        readonly get => _flags & InlineUrlMask;
        set => _flags = (_flags & ~InlineUrlMask) | value;
    }

    public long Count { get; private set; }

    public readonly long? BytesSent => (_flags & HasSent) != 0 ? _sent : null;

    public readonly long? BytesReceived => (_flags & HasReceived) != 0 ? _received : null;

    /// <summary>The earliest timestamp; meaningless while <see cref="Count"/> is 0.</summary>
    public long FirstTicks { get; private set; }

    /// <summary>The latest timestamp; meaningless while <see cref="Count"/> is 0.</summary>
    public long LastTicks { get; private set; }

    /// <summary>Exact distinct count of RemoteUrl values (Kusto's dcount is an estimate; exact is never worse).</summary>
    public readonly int DistinctUrls => _urls?.Count ?? InlineUrls;

    /// <summary>The hash a URL is counted by, for <see cref="AddHashed"/>.</summary>
    public static ulong UrlHash(ReadOnlySpan<char> url) => XxHash3.HashToUInt64(MemoryMarshal.AsBytes(url), UrlSeed);

    /// <summary>Folds in a summary of the same channel built on another thread.</summary>
    public void Merge(in ConnectionSummary other)
    {
        if (other.Count == 0)
            return;
        FirstTicks = Count == 0 ? other.FirstTicks : Math.Min(FirstTicks, other.FirstTicks);
        LastTicks = Count == 0 ? other.LastTicks : Math.Max(LastTicks, other.LastTicks);
        Count += other.Count;
        AddBytes(other.BytesSent, other.BytesReceived);
        if (other._urls is not null)
        {
            foreach (var url in other._urls)
                AddUrl(url);
        }
        else
        {
            if (other.InlineUrls > 0)
                AddUrl(other._url0);
            if (other.InlineUrls > 1)
                AddUrl(other._url1);
        }
    }

    public void Add(long ticks, long? sent, long? received, string? url) =>
        AddHashed(ticks, sent, received, url is null ? null : UrlHash(url));

    /// <param name="urlHash">The URL's <see cref="UrlHash"/>; null when the event has no RemoteUrl at all.</param>
    public void AddHashed(long ticks, long? sent, long? received, ulong? urlHash)
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
        AddBytes(sent, received);
        // Kusto strings are never null: an empty RemoteUrl is a value of its own. An export
        // without the column has no values at all.
        if (urlHash is { } url)
            AddUrl(url);
    }

    private void AddBytes(long? sent, long? received)
    {
        if (sent is { } s)
        {
            _sent += s;
            _flags |= HasSent;
        }
        if (received is { } r)
        {
            _received += r;
            _flags |= HasReceived;
        }
    }

    private void AddUrl(ulong url)
    {
        if (_urls is not null)
        {
            _urls.Add(url);
            return;
        }
        var inline = InlineUrls;
        if ((inline > 0 && _url0 == url) || (inline > 1 && _url1 == url))
            return;
        switch (inline)
        {
            case 0:
                _url0 = url;
                InlineUrls = 1;
                break;
            case 1:
                _url1 = url;
                InlineUrls = 2;
                break;
            default:
                _urls = [_url0, _url1, url];
                break;
        }
    }
}
