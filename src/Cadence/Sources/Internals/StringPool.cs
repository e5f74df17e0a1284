using System.Collections.Concurrent;

namespace Cadence.Sources.Internals;

/// <summary>
/// Interns the strings readers see over and over (device, process, address, action) so a
/// million rows from a few hundred devices allocate a few thousand strings, not millions.
/// </summary>
/// <remarks>
/// Thread-safe: CSV rows are parsed on several threads at once. The alternate lookup finds an
/// existing string from a span without allocating; only a first sighting allocates.
/// </remarks>
public sealed class StringPool
{
    // Past this many distinct values the pool stops growing and hands out fresh strings: hostile
    // input with a unique value per row must not turn the pool into an unbounded cache.
    private const int MaxEntries = 1 << 20;

    private readonly ConcurrentDictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    // ConcurrentDictionary.Count takes every bucket lock (up to 1,024 of them): called per new
    // string it made reading 25x slower. An approximate count of our own is enough for the cap.
    private int _count;

    public StringPool() => _lookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();

    public int Count => Volatile.Read(ref _count);

    public string Intern(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
            return string.Empty;
        if (_lookup.TryGetValue(value, out var existing))
            return existing;
        var created = value.ToString();
        if (Volatile.Read(ref _count) >= MaxEntries)
            return created;
        if (_strings.TryAdd(created, created))
        {
            Interlocked.Increment(ref _count);
            return created;
        }
        return _lookup.TryGetValue(value, out existing) ? existing : created;
    }
}
