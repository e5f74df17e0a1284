using System.Collections;

namespace Cadence.Scoring.Tuning;

/// <summary>
/// The read-only list behind every list in the tuning model: compared by content, so two
/// configurations with the same values are equal records (an array would compare by reference).
/// </summary>
internal sealed class ValueList<T>(T[] items) : IReadOnlyList<T>, IEquatable<ValueList<T>>
{
    private readonly T[] _items = items;

    public static readonly ValueList<T> Empty = new([]);

    public T this[int index] => _items[index];

    public int Count => _items.Length;

    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

    public bool Equals(ValueList<T>? other) => other is not null && _items.AsSpan().SequenceEqual(other._items, EqualityComparer<T>.Default);

    public override bool Equals(object? obj) => obj is ValueList<T> other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var item in _items)
            hash.Add(item);
        return hash.ToHashCode();
    }
}

internal static class ValueList
{
    public static ValueList<T> Of<T>(IEnumerable<T> items) => new([.. items]);
}
