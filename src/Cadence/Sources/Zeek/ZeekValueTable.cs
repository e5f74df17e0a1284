using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Cadence.Sources.Zeek;

/// <summary>
/// A single-threaded intern table for the values every conn record repeats (originator and
/// responder addresses, protocol, state), each stored with a tag computed once per distinct
/// value: for a responder, its RemoteIPType.
/// </summary>
/// <remarks>
/// Interning a responder and then looking its class up in a second table cost two hash probes
/// a record, and the class cache (a Dictionary over some 19,000 responders) was the largest
/// single cost of reading a conn.log after the grouping itself (9.5 % of CPU, perf on the AOT
/// binary over 1M records): one probe now gives both. Open addressing over a keyed 64-bit
/// XxHash3, as <see cref="Internals.StringPool"/>'s tables, in 16-byte entries: a probe is
/// usually a cache miss, and half the footprint of hash, length, value and tag side by side
/// kept more of the table in cache. The tag's index takes the hash's low 8 bits, so 56 bits
/// decide equality without reading the stored string: two distinct values collide with
/// probability about n / 2^56 (under 1e-11 for a million lookups among 20,000 values), and the
/// random seed per table keeps attacker-chosen values from colliding on purpose.
/// </remarks>
/// <param name="tagOf">Computes a new value's tag; at most 255 distinct tags.</param>
/// <param name="repeats">True for values that come in runs (protocol, state): the last one is checked before hashing.</param>
internal sealed class ZeekValueTable(Func<string, string?> tagOf, bool repeats = false)
{
    // Past this many distinct values the table stops growing: hostile input with a unique value
    // per record must not turn it into an unbounded cache.
    private const int MaxEntries = 1 << 20;
    private const ulong TagMask = 0xFF;

    private readonly long _seed = Random.Shared.NextInt64();
    private readonly List<string?> _tags = [null];
    private Entry[] _entries = new Entry[1024];
    private int _count;
    private string? _last;
    private string? _lastTag;

    public string Intern(ReadOnlySpan<char> value) => Intern(value, out _);

    public string Intern(ReadOnlySpan<char> value, out string? tag)
    {
        if (repeats && _last is not null && value.SequenceEqual(_last))
        {
            tag = _lastTag;
            return _last;
        }
        var hash = XxHash3.HashToUInt64(MemoryMarshal.AsBytes(value), _seed) & ~TagMask;
        var entries = _entries;
        var mask = entries.Length - 1;
        for (var i = (int)(hash >> 8) & mask; ; i = (i + 1) & mask)
        {
            ref var entry = ref entries[i];
            if (entry.Value is null)
            {
                var created = value.ToString();
                tag = tagOf(created);
                if (_count < MaxEntries)
                {
                    entry = new Entry(hash | TagIndex(tag), created);
                    // Three quarters full at most: linear probing stays short, and 19,000 responders
                    // fit in 32K entries (512 KB, a core's L2) instead of 64K.
                    if (++_count * 4 > entries.Length * 3)
                        Grow();
                }
                return Remember(created, tag);
            }
            if ((entry.Key & ~TagMask) == hash)
            {
                tag = _tags[(int)(entry.Key & TagMask)];
                return Remember(entry.Value, tag);
            }
        }
    }

    private string Remember(string value, string? tag)
    {
        if (repeats)
        {
            _last = value;
            _lastTag = tag;
        }
        return value;
    }

    private ulong TagIndex(string? tag)
    {
        var index = _tags.IndexOf(tag);
        if (index < 0)
        {
            if (_tags.Count > (int)TagMask)
                throw new InvalidOperationException("More distinct tags than an entry can index.");
            _tags.Add(tag);
            index = _tags.Count - 1;
        }
        return (ulong)index;
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
            var i = (int)(entry.Key >> 8) & mask;
            while (entries[i].Value is not null)
                i = (i + 1) & mask;
            entries[i] = entry;
        }
        _entries = entries;
    }

    private readonly record struct Entry(ulong Key, string? Value);
}
