using System.Runtime.InteropServices;
using Cadence.Channels;

namespace Cadence.Analytics;

/// <summary>
/// How many devices reach each destination, counted over a run's channels on every core: the
/// destinations are split into one partition per thread by their hash, and each thread counts
/// its own partition's destinations with no lock and no merge.
/// </summary>
/// <remarks>
/// A fleet's export has a hundred thousand destinations, most reached by one device, and each
/// channel is one (device, process, destination): a destination keeps its first device inline
/// and makes a set only when a second one appears. Devices and destinations are counted by the
/// grouping's keyed 64-bit hashes (<see cref="ChannelTable.DestinationHashes"/>), read in order
/// from two arrays: hashing and comparing every channel's strings instead, reading each
/// channel's key a cache miss apiece, was about 7 % of an all-analytics run's CPU on the 1M-row
/// export (perf).
/// </remarks>
internal sealed class DevicesByDestination
{
    private readonly ChannelTable _channels;
    private readonly Dictionary<ulong, Reach>[] _partitions;

    public DevicesByDestination(ChannelTable channels, int threads)
    {
        _channels = channels;
        var partitions = Math.Clamp(threads, 1, byte.MaxValue);
        _partitions = new Dictionary<ulong, Reach>[partitions];
        Parallel.For(0, partitions, new ParallelOptions { MaxDegreeOfParallelism = partitions }, p =>
        {
            var destinations = channels.DestinationHashes;
            var devices = channels.DeviceHashes;
            var reach = new Dictionary<ulong, Reach>();
            for (var i = 0; i < destinations.Length; i++)
            {
                var destination = destinations[i];
                if (PartitionOf(destination, partitions) != p)
                    continue;
                ref var entry = ref CollectionsMarshal.GetValueRefOrAddDefault(reach, destination, out var known);
                if (!known)
                    entry = new Reach(devices[i]);
                else
                    entry.Add(devices[i]);
            }
            _partitions[p] = reach;
        });
    }

    /// <summary>Devices that reach <paramref name="destination"/>; 0 for one no channel has.</summary>
    public int Of(string destination)
    {
        var hash = _channels.HashOf(destination);
        return _partitions[PartitionOf(hash, _partitions.Length)].TryGetValue(hash, out var reach) ? reach.Devices : 0;
    }

    // The hash's high bits: the dictionaries' buckets use the low ones.
    private static int PartitionOf(ulong hash, int partitions) => (int)((hash >> 32) % (uint)partitions);

    /// <summary>The devices of one destination: the first inline, a set from the second.</summary>
    private struct Reach(ulong first)
    {
        private readonly ulong _first = first;
        private HashSet<ulong>? _others;

        public readonly int Devices => 1 + (_others?.Count ?? 0);

        public void Add(ulong device)
        {
            if (device != _first)
                (_others ??= []).Add(device);
        }
    }
}
