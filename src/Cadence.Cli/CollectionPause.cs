using System.Runtime;

namespace Cadence.Cli;

/// <summary>
/// Holds off garbage collection while a hunt builds its channels, up to a budget of
/// allocation; past it the collector runs as usual. The process decides this, not the library:
/// it is process-wide.
/// </summary>
/// <remarks>
/// A hunt's heap only grows until scoring: nearly everything it allocates (a channel, its
/// connections, its strings) lives to the end of the run, so a collection finds little garbage
/// and copies or walks every channel. On the benchmark's 1M-row export the two collections
/// left after raising the large-object threshold (the csproj says why) still paused the run
/// for 80 to 90 ms, about a ninth of it; inside this region there are none. The budget is not
/// memory that is used, only allowed: the runtime commits it up front, and pages it never
/// touches cost nothing (peak RSS measured the same). An input large enough to pass it ends the
/// region, and from there on collections bound memory as before.
/// </remarks>
internal sealed class CollectionPause : IDisposable
{
    /// <summary>What a 1M-row export's hunt allocates in all, with room: about 150 MB measured.</summary>
    public const long DefaultBudget = 256L << 20;

    private readonly bool _started;

    private CollectionPause(bool started) => _started = started;

    public static CollectionPause Begin(long budget = DefaultBudget)
    {
        try
        {
            return new CollectionPause(GC.TryStartNoGCRegion(budget));
        }
        catch (InvalidOperationException)
        {
            // A region is already open (another hunt in the same process, as in the tests).
            return new CollectionPause(false);
        }
        catch (ArgumentOutOfRangeException)
        {
            // More than the runtime allows in one region (a heap hard limit, a container's
            // memory limit): the hunt runs with collections as usual.
            return new CollectionPause(false);
        }
    }

    public void Dispose()
    {
        if (!_started || GCSettings.LatencyMode != GCLatencyMode.NoGCRegion)
            return;
        try
        {
            GC.EndNoGCRegion();
        }
        catch (InvalidOperationException)
        {
            // The budget was passed and the collector already ended the region.
        }
    }
}
