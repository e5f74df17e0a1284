using System.Diagnostics.CodeAnalysis;

namespace Cadence.Channels;

/// <summary>
/// A run's channels by key. Every analytic walks all of them, so they are kept in an array and
/// walked without an enumerator object or interface calls (walking the concurrent dictionary the
/// grouping used to hand out took about 50 ms per analytic on a 200k-channel export); the
/// dictionary for lookups by key is made only when one is asked for.
/// </summary>
public sealed class ChannelTable : IReadOnlyDictionary<ChannelKey, ChannelSeries>
{
    private readonly KeyValuePair<ChannelKey, ChannelSeries>[] _channels;
    private Dictionary<ChannelKey, ChannelSeries>? _byKey;

    internal ChannelTable(KeyValuePair<ChannelKey, ChannelSeries>[] channels) => _channels = channels;

    public int Count => _channels.Length;

    /// <summary>Every channel, in no particular order.</summary>
    public ReadOnlySpan<KeyValuePair<ChannelKey, ChannelSeries>> All => _channels;

    public ChannelSeries this[ChannelKey key] => ByKey[key];

    public IEnumerable<ChannelKey> Keys => _channels.Select(c => c.Key);

    public IEnumerable<ChannelSeries> Values => _channels.Select(c => c.Value);

    // Analytics run side by side: built once even when two ask at the same time.
    private Dictionary<ChannelKey, ChannelSeries> ByKey =>
        LazyInitializer.EnsureInitialized(ref _byKey, () => _channels.ToDictionary(c => c.Key, c => c.Value));

    public bool ContainsKey(ChannelKey key) => ByKey.ContainsKey(key);

    public bool TryGetValue(ChannelKey key, [MaybeNullWhen(false)] out ChannelSeries value) => ByKey.TryGetValue(key, out value);

    /// <summary>What <c>foreach</c> uses: a walk over the array, no allocation.</summary>
    public ReadOnlySpan<KeyValuePair<ChannelKey, ChannelSeries>>.Enumerator GetEnumerator() => All.GetEnumerator();

    IEnumerator<KeyValuePair<ChannelKey, ChannelSeries>> IEnumerable<KeyValuePair<ChannelKey, ChannelSeries>>.GetEnumerator() =>
        ((IEnumerable<KeyValuePair<ChannelKey, ChannelSeries>>)_channels).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => _channels.GetEnumerator();
}
