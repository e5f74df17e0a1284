using System.Diagnostics;
using Cadence.Channels;
using Cadence.Sources;
using Cadence.Sources.Internals;
using Cadence.Telemetry;

namespace Cadence.Analytics.Seed;

/// <summary>How to run the seed rule over a set of inputs.</summary>
/// <param name="AsOf">KQL's now(); null means the latest event timestamp read.</param>
public sealed record SeedHuntOptions(IReadOnlyList<string> Paths, DateTime? AsOf = null, TimeSpan? Window = null, bool Strict = false)
{
    public TimeSpan EffectiveWindow => Window ?? SeedRule.DefaultWindow;

    public int DegreeOfParallelism { get; init; } = Environment.ProcessorCount;
}

/// <summary>What a seed hunt found and the account of how it got there.</summary>
public sealed record SeedHuntResult(
    IReadOnlyList<SeedResult> Rows,
    IngestLog Log,
    long? AsOfTicks,
    bool AsOfFromData,
    TimeSpan Window,
    bool BytesKnown,
    SeedFilterCounts Filtered,
    int Groups,
    TimeSpan Elapsed)
{
    /// <summary>Inputs that lack fields the rule needs, with the fields: none of their events can match.</summary>
    public IReadOnlyList<(InputFile Input, TelemetryFields Missing)> InputsLackingFields { get; init; } = [];
}

/// <summary>How many events each of the rule's filters removed, so no event leaves the count unexplained.</summary>
public sealed record SeedFilterCounts(long PortNotWeb, long RemoteIPTypeNotPublic, long ActionTypeNotConnectionSuccess, long OutsideWindow, long Admitted);

/// <summary>Runs the pipeline for the seed rule: read, normalize, group into channels, evaluate.</summary>
public static class SeedHunt
{
    public static SeedHuntResult Run(SeedHuntOptions options, ReadProgress? progress = null)
    {
        var stopwatch = Stopwatch.StartNew();
        var log = new IngestLog(options.Strict);
        using var pool = new StringPool();
        var reader = new TelemetryReader(new ReadContext(log, pool) { DegreeOfParallelism = options.DegreeOfParallelism, Progress = progress ?? new ReadProgress() });
        using var sink = new SeedSink(options.EffectiveWindow, options.AsOf);
        reader.ReadInto(options.Paths, sink);

        var (channels, byFilter, refusedOutsideWindow) = sink.Merge();
        var summaries = channels.Summarize(log.LatestEventTicks);
        var outsideWindow = channels.OutsideWindow + refusedOutsideWindow;
        var bytesKnown = log.Inputs.Any(i => (i.Provides & (TelemetryFields.SentBytes | TelemetryFields.ReceivedBytes)) != 0);
        var rows = SeedRule.Evaluate(channels, bytesKnown, options.DegreeOfParallelism);
        var asOfTicks = options.AsOf?.ToUniversalTime().Ticks ?? log.LatestEventTicks;
        return new SeedHuntResult(
            rows, log, asOfTicks, options.AsOf is null, options.EffectiveWindow, bytesKnown,
            new SeedFilterCounts(
                byFilter[(int)SeedRowFilter.PortNotWeb], byFilter[(int)SeedRowFilter.RemoteIPTypeNotPublic],
                byFilter[(int)SeedRowFilter.ActionTypeNotConnectionSuccess], outsideWindow,
                byFilter[(int)SeedRowFilter.Admitted] - outsideWindow),
            summaries.Count, stopwatch.Elapsed)
        {
            InputsLackingFields = [.. log.Inputs
                .Where(i => (i.Provides & SeedRule.Requires) != SeedRule.Requires && i.EventsRead > 0)
                .Select(i => (i.Input, SeedRule.Requires & ~i.Provides))],
        };
    }

    /// <summary>Applies the rule's row filters and groups what passes, on the reader threads that deliver the events.</summary>
    private sealed class SeedSink(TimeSpan window, DateTime? asOf) : IConnectionSpanSink, IDisposable
    {
        // Each thread's counters sit in the middle of an array of their own, so two threads
        // counting side by side never write to the same cache line.
        private const int Padding = 8;

        private static readonly int FilterCount = Enum.GetValues<SeedRowFilter>().Length;

        // By filter, then the admitted events refused for falling outside a window known up front.
        private readonly ThreadLocal<long[]> _byFilter = new(() => new long[FilterCount + 1 + 2 * Padding], trackAllValues: true);

        // The counters of the sink this thread counted for last: a ThreadLocal lookup per row
        // shows in a profile; a thread-static read does not.
        [ThreadStatic]
        private static SeedSink? t_owner;
        [ThreadStatic]
        private static long[]? t_counts;

        /// <summary>One table for every thread (see <see cref="WindowedChannels"/>): nothing to merge at the end.</summary>
        private readonly WindowedChannels _channels = new(window, asOf);

        public TelemetryFields Reads => SeedRule.Requires | TelemetryFields.ProcessName | TelemetryFields.RemoteUrl
            | TelemetryFields.SentBytes | TelemetryFields.ReceivedBytes;

        private long[] Counts()
        {
            if (t_owner != this)
            {
                t_counts = _byFilter.Value!;
                t_owner = this;
            }
            return t_counts!;
        }

        /// <summary>Refuses, and counts, the events the rule's filters drop before the reader builds them.</summary>
        public bool Wants(in NetworkEvent preview)
        {
            var filter = SeedRule.Filter(preview);
            if (filter == SeedRowFilter.Admitted && !_channels.IsOutsideKnownWindow(preview.TimestampTicks))
                return true;
            var counts = Counts();
            counts[Padding + (int)filter]++;
            if (filter == SeedRowFilter.Admitted)
                counts[Padding + FilterCount]++;
            return false;
        }

        public void Accept(in NetworkEvent e)
        {
            var filter = SeedRule.Filter(e);
            Counts()[Padding + (int)filter]++;
            if (filter == SeedRowFilter.Admitted)
                _channels.Add(SeedRule.KeyOf(e), e);
        }

        /// <summary>The same as building the event and <see cref="Accept(in NetworkEvent)"/>, on the row's spans.</summary>
        public void Accept(in ConnectionSpans c)
        {
            var filter = SeedRule.Filter(c.RemotePort, c.RemoteIPType, c.ActionType);
            Counts()[Padding + (int)filter]++;
            if (filter == SeedRowFilter.Admitted)
            {
                _channels.Add(c.DeviceName, c.InitiatingProcessFileName, c.RemoteIP, c.RemotePort, c.TimestampTicks,
                    c.SentBytes, c.ReceivedBytes, c.HasRemoteUrl ? ConnectionSummary.UrlHash(c.RemoteUrl) : null);
            }
        }

        public (WindowedChannels Channels, long[] ByFilter, long RefusedOutsideWindow) Merge()
        {
            var byFilter = new long[FilterCount];
            long outsideWindow = 0;
            foreach (var counts in _byFilter.Values)
            {
                for (var i = 0; i < byFilter.Length; i++)
                    byFilter[i] += counts[Padding + i];
                outsideWindow += counts[Padding + FilterCount];
            }
            return (_channels, byFilter, outsideWindow);
        }

        public void Dispose() => _byFilter.Dispose();
    }
}
