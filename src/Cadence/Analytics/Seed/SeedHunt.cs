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

        var (channels, byFilter) = sink.Merge();
        var summaries = channels.Summarize(log.LatestEventTicks);
        var bytesKnown = log.Inputs.Any(i => (i.Provides & (TelemetryFields.SentBytes | TelemetryFields.ReceivedBytes)) != 0);
        var rows = SeedRule.Evaluate(summaries, bytesKnown);
        var asOfTicks = options.AsOf?.ToUniversalTime().Ticks ?? log.LatestEventTicks;
        return new SeedHuntResult(
            rows, log, asOfTicks, options.AsOf is null, options.EffectiveWindow, bytesKnown,
            new SeedFilterCounts(
                byFilter[(int)SeedRowFilter.PortNotWeb], byFilter[(int)SeedRowFilter.RemoteIPTypeNotPublic],
                byFilter[(int)SeedRowFilter.ActionTypeNotConnectionSuccess], channels.OutsideWindow,
                byFilter[(int)SeedRowFilter.Admitted] - channels.OutsideWindow),
            summaries.Count, stopwatch.Elapsed)
        {
            InputsLackingFields = [.. log.Inputs
                .Where(i => (i.Provides & SeedRule.Requires) != SeedRule.Requires && i.EventsRead > 0)
                .Select(i => (i.Input, SeedRule.Requires & ~i.Provides))],
        };
    }

    /// <summary>Applies the rule's row filters and groups what passes, with one partial result per reader thread.</summary>
    private sealed class SeedSink(TimeSpan window, DateTime? asOf) : IEventSink, IDisposable
    {
        private readonly ThreadLocal<Partial> _partials = new(() => new Partial(new WindowedChannels(window, asOf)), trackAllValues: true);

        public void Accept(in NetworkEvent e)
        {
            var partial = _partials.Value!;
            var filter = SeedRule.Filter(e);
            partial.ByFilter[(int)filter]++;
            if (filter == SeedRowFilter.Admitted)
                partial.Channels.Add(SeedRule.KeyOf(e), e);
        }

        public (WindowedChannels Channels, long[] ByFilter) Merge()
        {
            var byFilter = new long[Enum.GetValues<SeedRowFilter>().Length];
            var partials = _partials.Values.OrderByDescending(p => p.Channels.Count).ToList();
            if (partials.Count == 0)
                return (new WindowedChannels(window, asOf), byFilter);
            // Folding into the largest partial spares re-inserting its channels, most of them.
            var channels = partials[0].Channels;
            foreach (var partial in partials)
            {
                if (partial != partials[0])
                    channels.Merge(partial.Channels);
                for (var i = 0; i < byFilter.Length; i++)
                    byFilter[i] += partial.ByFilter[i];
            }
            return (channels, byFilter);
        }

        public void Dispose() => _partials.Dispose();

        private sealed record Partial(WindowedChannels Channels)
        {
            public long[] ByFilter { get; } = new long[Enum.GetValues<SeedRowFilter>().Length];
        }
    }
}
