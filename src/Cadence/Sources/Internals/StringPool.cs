using System.Collections.Concurrent;
using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Cadence.Sources.Internals;

/// <summary>
/// Interns the strings readers see over and over (device, process, address, action) so a
/// million rows from a few hundred devices allocate a few thousand strings, not millions.
/// </summary>
/// <remarks>
/// Rows are parsed on several threads, so each thread interns into a table of its own: no locks
/// and no shared cache lines on the hot path. A value new to a thread's table is looked up once
/// in a table shared by all threads, under a lock, so that every thread hands out the same
/// instance: grouping then finds equal keys equal by reference, without reading the characters
/// (comparing the two threads' copies was about 5 % of a run). Beyond the tables' bounds equal
/// values may still be distinct instances; everything downstream compares strings by value.
/// </remarks>
public sealed class StringPool : IDisposable
{
    private readonly CanonicalStrings _canonical = new();
    private readonly ThreadLocal<InternTable> _tables;

    public StringPool() => _tables = new(() => new InternTable(_canonical), trackAllValues: true);

    /// <summary>Distinct strings held, over all threads' tables.</summary>
    public int Count => _tables.Values.Sum(t => t.Count);

    public string Intern(ReadOnlySpan<char> value) => value.IsEmpty ? string.Empty : _tables.Value!.Intern(value);

    /// <summary>
    /// This thread's table, for a reader interning several columns of one row: one thread-local
    /// lookup per row instead of one per value (measured at about 5 % of reading a Defender export).
    /// </summary>
    internal InternTable ThreadTable => _tables.Value!;

    /// <summary>
    /// Interns a value of a column whose values repeat row after row (ActionType, RemoteIPType):
    /// the last value seen for <paramref name="column"/> on this thread is checked first, which
    /// skips hashing entirely for runs of the same value.
    /// </summary>
    public string Intern(ReadOnlySpan<char> value, int column) =>
        value.IsEmpty ? string.Empty : _tables.Value!.Intern(value, column);

    public void Dispose() => _tables.Dispose();
}

/// <summary>
/// One thread's intern tables: one for values of any column, and one per column for the columns
/// a reader names, so a column with a few hundred values (device, process) keeps a table small
/// enough to stay in cache instead of sharing one with tens of thousands of addresses and URLs.
/// </summary>
internal sealed class InternTable(CanonicalStrings canonical)
{
    internal const int MaxColumns = 64;

    private readonly HashedStrings _mixed = new(canonical);
    private readonly HashedStrings?[] _byColumn = new HashedStrings?[MaxColumns];
    private readonly string?[] _lastByColumn = new string?[MaxColumns];

    public int Count => _mixed.Count + _byColumn.Sum(t => t?.Count ?? 0);

    /// <summary>Interns a value of a column whose values come in runs: the column's last value is checked before hashing.</summary>
    public string Intern(ReadOnlySpan<char> value, int column)
    {
        if (value.IsEmpty)
            return string.Empty;
        ref var last = ref _lastByColumn[column];
        if (last is not null && value.SequenceEqual(last))
            return last;
        return last = InternColumn(value, column);
    }

    /// <summary>Interns a value in its column's own table.</summary>
    public string InternColumn(ReadOnlySpan<char> value, int column)
    {
        if (value.IsEmpty)
            return string.Empty;
        return (_byColumn[column] ??= new HashedStrings(canonical)).Intern(value);
    }

    public string Intern(ReadOnlySpan<char> value) => value.IsEmpty ? string.Empty : _mixed.Intern(value);
}

/// <summary>
/// A single-threaded intern table: open addressing over a keyed 64-bit XxHash3 of the characters.
/// </summary>
/// <remarks>
/// Hand-written rather than a Dictionary&lt;string, string&gt; with an alternate lookup: that
/// costs about 80 ns a lookup (Marvin hashing plus the entry indirection), and interning six
/// columns a row made it the largest cost of reading a Defender export after CSV parsing itself.
/// XxHash3 over a short value takes a few ns. The seed is random per table, so input crafted to
/// collide (attackers control these strings) cannot turn lookups quadratic.
/// </remarks>
internal sealed class HashedStrings(CanonicalStrings canonical)
{
    // Past this many distinct values the table stops growing and hands out fresh strings: hostile
    // input with a unique value per row must not turn it into an unbounded cache.
    internal const int MaxEntries = 1 << 20;

    private readonly long _seed = Random.Shared.NextInt64();

    // Hash and string side by side: a probe touches one cache line, not one in each of two arrays.
    private Entry[] _entries = new Entry[256];

    public int Count { get; private set; }

    public string Intern(ReadOnlySpan<char> value) => Intern(value, out _);

    /// <summary>As <see cref="Intern(ReadOnlySpan{char})"/>; <paramref name="isNew"/> is false when this table already held the value.</summary>
    public string Intern(ReadOnlySpan<char> value, out bool isNew)
    {
        var hash = XxHash3.HashToUInt64(MemoryMarshal.AsBytes(value), _seed);
        var entries = _entries;
        var mask = entries.Length - 1;
        for (var i = (int)hash & mask; ; i = (i + 1) & mask)
        {
            ref var entry = ref entries[i];
            if (entry.Value is null)
            {
                isNew = true;
                return Add(ref entry, hash, value);
            }
            // Equal 64-bit keyed hashes and lengths are taken as equal values without reading the
            // stored string (a cache miss per lookup, measured): two distinct values collide with
            // probability about n / 2^64, under 1e-13 for a million distinct values.
            if (entry.Hash == hash && entry.Length == value.Length)
            {
                isNew = false;
                return entry.Value;
            }
        }
    }

    private string Add(ref Entry entry, ulong hash, ReadOnlySpan<char> value)
    {
        var created = canonical.Get(value);
        if (Count >= MaxEntries)
            return created;
        entry = new Entry(hash, created.Length, created);
        if (++Count * 2 > _entries.Length)
            Grow();
        return created;
    }

    private void Grow()
    {
        var old = _entries;
        var entries = new Entry[old.Length * 2];
        var mask = entries.Length - 1;
        foreach (var entry in old)
        {
            if (entry.Value is null)
                continue;
            var i = (int)entry.Hash & mask;
            while (entries[i].Value is not null)
                i = (i + 1) & mask;
            entries[i] = entry;
        }
        _entries = entries;
    }

    private readonly record struct Entry(ulong Hash, int Length, string? Value);
}

/// <summary>
/// The one instance of each value, shared by every thread's tables; a thread looks here only the
/// first time it meets a value.
/// </summary>
/// <remarks>
/// Lock-free reads: both reader threads meet the same new values at the same moments (at the
/// start of a file most values are new), and a single lock here made them sleep and wake each
/// other (perf showed the wake-up IPIs).
/// </remarks>
internal sealed class CanonicalStrings
{
    private readonly ConcurrentDictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private int _count;

    public CanonicalStrings() => _lookup = _values.GetAlternateLookup<ReadOnlySpan<char>>();

    public string Get(ReadOnlySpan<char> value)
    {
        if (_lookup.TryGetValue(value, out var existing))
            return existing;
        var created = value.ToString();
        // Bounded as the threads' tables are: past it a value stays one thread's own.
        if (Volatile.Read(ref _count) >= HashedStrings.MaxEntries)
            return created;
        var canonical = _values.GetOrAdd(created, created);
        if (ReferenceEquals(canonical, created))
            Interlocked.Increment(ref _count);
        return canonical;
    }
}
