using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Cadence.Channels;

/// <summary>
/// Hashes channel keys with a keyed XxHash3 of their strings: the grouping dictionary is looked
/// up once per event, and the default (three Marvin string hashes) made it the slowest step of
/// grouping a fleet's export. Keyed with a random seed per instance, so attacker-chosen device
/// or process names cannot be crafted to collide.
/// </summary>
public sealed class ChannelKeyComparer : IEqualityComparer<ChannelKey>
{
    private readonly long _seed = Random.Shared.NextInt64();

    public bool Equals(ChannelKey x, ChannelKey y) =>
        x.Port == y.Port
        && string.Equals(x.Destination, y.Destination, StringComparison.Ordinal)
        && string.Equals(x.Device, y.Device, StringComparison.Ordinal)
        && string.Equals(x.Process, y.Process, StringComparison.Ordinal);

    public int GetHashCode(ChannelKey key) =>
        HashCode.Combine(Hash(key.Device), Hash(key.Process), Hash(key.Destination), key.Port);

    private ulong Hash(string value) => XxHash3.HashToUInt64(MemoryMarshal.AsBytes(value.AsSpan()), _seed);
}
