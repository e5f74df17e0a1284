namespace Cadence.Simulation;

/// <summary>
/// Merges the channels' connection streams, each already in time order, into one stream in time
/// order: a k-way merge over a heap of the streams' next connections.
/// </summary>
/// <remarks>
/// Memory is one pending connection and one generator state per channel (about ten per device),
/// whatever the number of days: nothing is sorted in bulk. Ties break by stream order, so the
/// output is the same on every run.
/// </remarks>
internal static class TimeOrderedMerge
{
    public static IEnumerable<SimulatedConnection> Merge(IReadOnlyList<IEnumerable<SimulatedConnection>> streams)
    {
        var heap = new PriorityQueue<IEnumerator<SimulatedConnection>, (long Ticks, int Stream)>(streams.Count);
        var enumerators = new List<IEnumerator<SimulatedConnection>>(streams.Count);
        try
        {
            for (var i = 0; i < streams.Count; i++)
            {
                var e = streams[i].GetEnumerator();
                enumerators.Add(e);
                if (e.MoveNext())
                    heap.Enqueue(e, (e.Current.Ticks, i));
            }
            while (heap.TryDequeue(out var e, out var key))
            {
                var current = e.Current;
                yield return current;
                if (e.MoveNext())
                {
                    if (e.Current.Ticks < current.Ticks)
                        throw new InvalidOperationException($"Channel '{current.Profile.Id}' went back in time: a generator must yield connections in time order.");
                    heap.Enqueue(e, (e.Current.Ticks, key.Stream));
                }
            }
        }
        finally
        {
            foreach (var e in enumerators)
                e.Dispose();
        }
    }
}
