namespace Cadence.Sources.Internals;

/// <summary>Runs the ranges of a split file on worker threads that each take the next range when they finish one.</summary>
internal static class RangeWorkers
{
    // Small enough that the threads finish within a few milliseconds of each other (two ranges
    // for two threads left one thread alone for the last 150 ms of a 1M-row Defender export);
    // large enough that opening a range (a file handle, a Sep reader) stays negligible.
    private const int RangesPerThread = 16;
    private const long MinRangeBytes = 1 << 20;

    /// <summary>How many ranges to cut a file of <paramref name="length"/> bytes into for <paramref name="threads"/> threads.</summary>
    public static int RangesFor(long length, int threads) =>
        (int)Math.Clamp(length / MinRangeBytes, 1, threads * RangesPerThread);

    /// <summary>
    /// Runs <paramref name="body"/> over ranges 0 to <paramref name="count"/> - 1 on up to
    /// <paramref name="threads"/> workers, each with state of its own, each taking the next range
    /// in file order when it finishes one.
    /// </summary>
    /// <remarks>
    /// Many small ranges taken from a shared counter keep the threads finishing together: with
    /// eight 16 MB ranges, Parallel.For's own partitioning left one thread alone for the last
    /// 100 ms of a 1M-record conn.log (perf timeline of the AOT binary, 2 cores).
    /// </remarks>
    public static void ForEach<TState>(int count, int threads, Func<TState> state, Action<int, TState> body)
    {
        var next = -1;
        Parallel.For(0, Math.Min(threads, count), new ParallelOptions { MaxDegreeOfParallelism = threads }, _ =>
        {
            var local = state();
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
                body(i, local);
        });
    }
}
