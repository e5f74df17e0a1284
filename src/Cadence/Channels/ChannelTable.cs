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
    private readonly KeyValuePair<ChannelKey, ChannelSeries>[] _withDetails;
    private readonly ChannelGlance[] _glances;
    private readonly ChannelHashes _hashes;
    private Dictionary<ChannelKey, ChannelSeries>? _byKey;

    /// <param name="glances">The glance at each of <paramref name="channels"/>, in the same order.</param>
    /// <param name="withDetails">The channels of <paramref name="channels"/> with <see cref="ChannelSeries.HasDetails"/>, in the same order.</param>
    /// <param name="hashes">The keyed hashes of each channel's device and destination, in the order of <paramref name="channels"/>.</param>
    internal ChannelTable(KeyValuePair<ChannelKey, ChannelSeries>[] channels, ChannelGlance[] glances, KeyValuePair<ChannelKey, ChannelSeries>[] withDetails, ChannelHashes hashes)
    {
        if (glances.Length != channels.Length)
            throw new ArgumentException("One glance per channel.", nameof(glances));
        if (hashes.Devices.Length != channels.Length || hashes.Destinations.Length != channels.Length)
            throw new ArgumentException("One device and one destination hash per channel.", nameof(hashes));
        _channels = channels;
        _glances = glances;
        _withDetails = withDetails;
        _hashes = hashes;
    }

    /// <summary>The keyed 64-bit hash of each channel's device, in the order of <see cref="All"/>.</summary>
    internal ReadOnlySpan<ulong> DeviceHashes => _hashes.Devices;

    /// <summary>The keyed 64-bit hash of each channel's destination, in the order of <see cref="All"/>.</summary>
    internal ReadOnlySpan<ulong> DestinationHashes => _hashes.Destinations;

    /// <summary>A value's hash as <see cref="DeviceHashes"/> and <see cref="DestinationHashes"/> hold them (same key).</summary>
    internal ulong HashOf(ReadOnlySpan<char> value) => ChannelHashes.Hash(value, _hashes.Seed);

    public int Count => _channels.Length;

    /// <summary>Every channel, in no particular order.</summary>
    public ReadOnlySpan<KeyValuePair<ChannelKey, ChannelSeries>> All => _channels;

    /// <summary>
    /// The channels with <see cref="ChannelSeries.HasDetails"/> (HTTP or TLS details, WebSocket
    /// upgrades, durations), in the order of <see cref="All"/>: what the session, user-agent and
    /// fingerprint analytics read. An export of plain connections has none, and walking every
    /// channel only to skip it cost each of those analytics a cache miss per channel (15-40 ms
    /// apiece on the 1M-row export).
    /// </summary>
    public ReadOnlySpan<KeyValuePair<ChannelKey, ChannelSeries>> WithDetails => _withDetails;

    /// <summary>
    /// What the analytics that walk every channel first ask of each (its connection count, its
    /// command lines), in the order of <see cref="All"/>: read from one array instead of from each
    /// channel's object, a cache miss apiece among hundreds of thousands (the beacon analytic's
    /// candidate walk alone was about 4 % of an all-analytics run's CPU on the 1M-row export).
    /// </summary>
    public ReadOnlySpan<ChannelGlance> Glances => _glances;

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

/// <summary>
/// The keyed 64-bit hashes of a table's devices and destinations: counting devices per
/// destination over these reads two arrays in order instead of every channel's strings (hashing
/// and comparing them was about 7 % of an all-analytics run's CPU on the 1M-row export, perf).
/// Two distinct values share a hash with probability about n^2 / 2^65; the key is random per
/// grouping, so no input can be crafted to collide.
/// </summary>
internal sealed record ChannelHashes(long Seed, ulong[] Devices, ulong[] Destinations)
{
    public static ulong Hash(ReadOnlySpan<char> value, long seed) =>
        System.IO.Hashing.XxHash3.HashToUInt64(System.Runtime.InteropServices.MemoryMarshal.AsBytes(value), seed);
}

/// <summary>A channel at a glance: what an analytic needs to pass over it without reading its series.</summary>
/// <param name="Connections">Connections in the window (<see cref="ChannelSeries.Count"/>).</param>
/// <param name="CommandLines">Distinct command lines kept (<see cref="ChannelSeries.CommandLines"/>).</param>
/// <param name="FirstCommandLine">The first of them; null when there is none.</param>
public readonly record struct ChannelGlance(int Connections, int CommandLines, string? FirstCommandLine);
