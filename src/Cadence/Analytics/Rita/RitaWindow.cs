namespace Cadence.Analytics.Rita;

/// <summary>
/// The stretch of time RITA v5 scores, in whole Unix seconds: the last 24 h of the data
/// (<see cref="MinTs"/> to <see cref="MaxTs"/>), whose series nonetheless reach back to the start
/// of <see cref="MinTs"/>'s hour (<see cref="SeriesStart"/>) because RITA stores connections in
/// hour buckets.
/// </summary>
/// <remarks>
/// The distinction changes results: on RITA's proxy test data the known beacon has 357
/// connections from <see cref="SeriesStart"/>, 346 from <see cref="MinTs"/>. The histogram and
/// the duration score still measure against [<see cref="MinTs"/>, <see cref="MaxTs"/>].
/// </remarks>
public sealed record RitaWindow
{
    /// <summary>RITA scores one day of data, however much was imported.</summary>
    public const long SpanSeconds = 86_400;

    private const long HourSeconds = 3_600;

    private RitaWindow(long minTs, long maxTs, long seriesStart)
    {
        MinTs = minTs;
        MaxTs = maxTs;
        SeriesStart = seriesStart;
    }

    /// <summary>max(data start, <see cref="MaxTs"/> - 24 h).</summary>
    public long MinTs { get; }

    /// <summary>The latest connection's timestamp.</summary>
    public long MaxTs { get; }

    /// <summary><see cref="MinTs"/> floored to the hour: the earliest timestamp a series holds.</summary>
    public long SeriesStart { get; }

    /// <summary>True when a connection at <paramref name="seconds"/> belongs to the scored series.</summary>
    public bool Holds(long seconds) => seconds >= SeriesStart && seconds <= MaxTs;

    /// <param name="latestSeconds">The latest connection timestamp over all connections read.</param>
    /// <param name="dataStartSeconds">The earliest connection timestamp over all connections read.</param>
    /// <exception cref="ArgumentOutOfRangeException">The data starts after its latest connection.</exception>
    public static RitaWindow FromSeconds(long latestSeconds, long dataStartSeconds)
    {
        if (dataStartSeconds > latestSeconds)
            RitaThrow.DataStartAfterLatest(dataStartSeconds, latestSeconds);
        var minTs = Math.Max(dataStartSeconds, latestSeconds - SpanSeconds);
        return new RitaWindow(minTs, latestSeconds, FloorToHour(minTs));
    }

    /// <summary>The window from UTC <see cref="DateTime.Ticks"/> (Cadence's NetworkEvent.TimestampTicks).</summary>
    public static RitaWindow FromTicks(long latestTicks, long dataStartTicks) =>
        FromSeconds(UnixSeconds(latestTicks), UnixSeconds(dataStartTicks));

    /// <summary>
    /// UTC ticks as whole Unix seconds, the fraction truncated: RITA keeps Zeek's fractional
    /// timestamps as whole-second DateTime values.
    /// </summary>
    public static long UnixSeconds(long ticks) => (ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerSecond;

    private static long FloorToHour(long seconds) => seconds - (((seconds % HourSeconds) + HourSeconds) % HourSeconds);
}
