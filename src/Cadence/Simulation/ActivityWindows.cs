namespace Cadence.Simulation;

/// <summary>
/// Sorted, disjoint [start, end) stretches of time (ticks) during which something happens: a
/// laptop is awake, a user is at the keyboard, the office is open.
/// </summary>
internal sealed class ActivityWindows
{
    private readonly long[] _starts;
    private readonly long[] _ends;

    public ActivityWindows(IEnumerable<(long Start, long End)> windows)
    {
        var merged = new List<(long Start, long End)>();
        foreach (var (start, end) in windows.Where(w => w.End > w.Start).OrderBy(w => w.Start))
        {
            if (merged.Count > 0 && start <= merged[^1].End)
                merged[^1] = (merged[^1].Start, Math.Max(merged[^1].End, end));
            else
                merged.Add((start, end));
        }
        _starts = [.. merged.Select(w => w.Start)];
        _ends = [.. merged.Select(w => w.End)];
    }

    public static ActivityWindows Always(long start, long end) => new([(start, end)]);

    public int Count => _starts.Length;

    public IEnumerable<(long Start, long End)> All => _starts.Zip(_ends);

    public long TotalTicks => _ends.Zip(_starts, (e, s) => e - s).Sum();

    /// <summary>
    /// Whether <paramref name="ticks"/> falls in a window; if so <paramref name="boundary"/> is that
    /// window's end, else the start of the next window (long.MaxValue when there is none).
    /// </summary>
    public bool Find(long ticks, out long boundary)
    {
        var i = Array.BinarySearch(_starts, ticks);
        // On no exact match, ~i is the first start after ticks; the window before it may contain ticks.
        var containing = i >= 0 ? i : ~i - 1;
        if (containing >= 0 && ticks < _ends[containing])
        {
            boundary = _ends[containing];
            return true;
        }
        var next = i >= 0 ? i + 1 : ~i;
        boundary = next < _starts.Length ? _starts[next] : long.MaxValue;
        return false;
    }

    public bool Contains(long ticks) => Find(ticks, out _);

    /// <summary>Office hours: the given local hours on Monday to Friday, in UTC (the simulated office sits at UTC+0).</summary>
    public static ActivityWindows OfficeHours(long start, long end, int fromHour, int toHour)
    {
        var windows = new List<(long, long)>();
        for (var day = new DateTime(start, DateTimeKind.Utc).Date; day.Ticks < end; day = day.AddDays(1))
        {
            if (day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday)
                continue;
            windows.Add((Math.Max(start, day.AddHours(fromHour).Ticks), Math.Min(end, day.AddHours(toHour).Ticks)));
        }
        return new ActivityWindows(windows);
    }
}
