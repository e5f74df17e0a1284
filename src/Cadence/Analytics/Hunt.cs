using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Cadence.Analytics.Beacon;
using Cadence.Analytics.Rita;
using Cadence.Channels;
using Cadence.Scoring;
using Cadence.Scoring.Tuning;
using Cadence.Sources;
using Cadence.Sources.Internals;
using Cadence.Telemetry;

namespace Cadence.Analytics;

/// <summary>Which beacon score a hunt uses.</summary>
public enum BeaconScoring
{
    /// <summary>Cadence's jitter-robust score (<see cref="BeaconScorer"/>).</summary>
    Cadence,

    /// <summary>RITA v5's score, reproduced (<see cref="RitaBeaconScore"/>), for comparison.</summary>
    Rita,
}

/// <summary>How to run a hunt over a set of inputs.</summary>
/// <param name="AsOf">The end of the window; null means the latest event timestamp read.</param>
public sealed record HuntOptions(IReadOnlyList<string> Paths, TuningFile Tuning, DateTime? AsOf = null, TimeSpan? Window = null, bool Strict = false)
{
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromHours(24);

    public TimeSpan EffectiveWindow => Window ?? DefaultWindow;

    public BeaconScoring Scoring { get; init; } = BeaconScoring.Cadence;

    public int DegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// The lowest severity the caller keeps. Findings the policy cannot lift to it are counted,
    /// not built (<see cref="HuntContext.BuildFrom"/>); the default keeps every finding.
    /// </summary>
    public Severity MinSeverity { get; init; } = Severity.Info;
}

/// <summary>An analytic that did not run, or ran blind on some inputs, and why.</summary>
public sealed record SkippedAnalytic(string Analytic, string Reason);

/// <summary>What a hunt found, what it set aside, and the account of how it got there.</summary>
public sealed record HuntResult(
    IReadOnlyList<Finding> Findings,
    IReadOnlyList<Finding> Suppressed,
    IngestLog Log,
    ChannelSet Channels,
    bool AsOfFromData,
    IReadOnlyList<SkippedAnalytic> Skipped,
    TimeSpan Elapsed)
{
    /// <summary>Findings scored below what the run keeps, counted and not built, by severity as scored (before policy).</summary>
    public IReadOnlyList<long> UnbuiltBySeverity { get; init; } = new long[Enum.GetValues<Severity>().Length];
}

/// <summary>
/// The pipeline for Cadence's own analytics: read every input once, group into channels on the
/// readers' threads, run each analytic over the channels, then apply the fleet-wide policy.
/// </summary>
public static class Hunt
{
    public static IReadOnlyList<IChannelAnalytic> AnalyticsFor(BeaconScoring scoring) =>
        scoring == BeaconScoring.Rita
            ? [new RitaAnalytic()]
            : [new BeaconAnalytic(),
                new Sessions.WebSocketAnalytic(), new Sessions.LongConnectionAnalytic(), new Tls.Ja3Analytic(),
                new UserAgents.UserAgentAnalytic(), new Processes.ProcessAnalytic()];

    public static HuntResult Run(HuntOptions options, ReadProgress? progress = null)
    {
        var stopwatch = Stopwatch.StartNew();
        var log = new IngestLog(options.Strict);
        using var pool = new StringPool();
        var reader = new TelemetryReader(new ReadContext(log, pool) { DegreeOfParallelism = options.DegreeOfParallelism, Progress = progress ?? new ReadProgress() });
        var scope = new ChannelScope(options.Tuning.Beacon.WebPorts.ToHashSet());
        var window = options.Scoring == BeaconScoring.Rita && RitaAnalytic.GatherWindow > options.EffectiveWindow ? RitaAnalytic.GatherWindow : options.EffectiveWindow;
        using var grouping = new ChannelGrouping(scope, window, options.AsOf,
            new ChannelLimits(MaxConnections: options.Tuning.Beacon.MaxConnectionsPerChannel));
        reader.ReadInto(options.Paths, grouping);
        var channels = grouping.Complete(log.LatestEventTicks);

        var context = new HuntContext(channels, options.Tuning, options.DegreeOfParallelism)
        {
            InputFields = [.. log.Inputs.Select(i => i.Provides)],
            // The policy raises only findings at low or above: below low, only what the caller keeps is built.
            BuildFrom = options.MinSeverity < Severity.Low ? options.MinSeverity : Severity.Low,
        };
        var analytics = AnalyticsFor(options.Scoring);
        var skipped = new List<SkippedAnalytic>();
        foreach (var analytic in analytics)
        {
            var blind = log.Inputs.Where(i => i.EventsRead > 0 && (FieldsOf(i, log) & analytic.Requires) != analytic.Requires).ToList();
            foreach (var input in blind)
                skipped.Add(new SkippedAnalytic(analytic.Name, $"{input.Input.DisplayName} ({input.Format}) lacks {analytic.Requires & ~FieldsOf(input, log)}"));
        }
        // The analytics only read the channels and the context, so they run side by side: most
        // walk every channel on one thread, and one after another they left a core idle for
        // about a tenth of a 1M-row run. Their findings are joined in the analytics' order.
        var byAnalytic = new IReadOnlyList<Finding>[analytics.Count];
        try
        {
            Parallel.For(0, analytics.Count, context.Parallelism, i => byAnalytic[i] = analytics[i].Evaluate(context));
        }
        catch (AggregateException ex) when (ex.Flatten().InnerExceptions.Count == 1)
        {
            // The caller reports a failure by its own type and message, as when the analytics ran in turn.
            ExceptionDispatchInfo.Throw(ex.Flatten().InnerExceptions[0]);
        }
        var raw = byAnalytic.SelectMany(f => f).ToList();

        var outcome = FindingPolicy.Apply(raw, context);
        return new HuntResult(outcome.Findings, outcome.Suppressed, log, channels, options.AsOf is null, skipped, stopwatch.Elapsed)
        {
            UnbuiltBySeverity = context.UnbuiltBySeverity,
        };
    }

    /// <summary>
    /// The fields an input's events can carry: its own, plus those of the logs of the same source
    /// that only enrich others (Zeek's http.log and ssl.log deliver no events of their own: their
    /// user agents, hosts and fingerprints arrive on the conn.log events they are linked to).
    /// </summary>
    private static TelemetryFields FieldsOf(InputIngest input, IngestLog log)
    {
        var source = SourceFamily(input.Format);
        return log.Inputs.Where(i => i.EventsRead == 0 && SourceFamily(i.Format) == source)
            .Aggregate(input.Provides, (fields, i) => fields | i.Provides);
    }

    private static string SourceFamily(string format) => format.Split(' ', 2)[0];
}
