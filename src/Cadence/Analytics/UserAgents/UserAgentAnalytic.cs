using Cadence.Channels;
using Cadence.Scoring;
using Cadence.Telemetry;

namespace Cadence.Analytics.UserAgents;

/// <summary>
/// The user agents each channel sent: known-bad ones (the shipped list and the user's own), a
/// C2 framework's default beside another signal, a browser's from a process that is no browser,
/// one used by a single device towards a single destination, and requests without one.
/// </summary>
public sealed class UserAgentAnalytic : IChannelAnalytic
{
    public const string AnalyticName = "user-agent";

    /// <summary>With one device every user agent is "used by one device": rarity needs a second to compare with.</summary>
    public const int MinFleetDevicesForRare = 2;

    public string Name => AnalyticName;

    public TelemetryFields Requires => TelemetryFields.UserAgent;

    public IReadOnlyList<Finding> Evaluate(HuntContext context)
    {
        var known = KnownUserAgents.With(context.Tuning.KnownBad.UserAgents);
        var set = context.Channels;
        // Only the channels with details can carry user agents (most carry none).
        var withAgents = new List<(ChannelKey Key, ChannelSeries Value, IReadOnlyDictionary<string, int> Agents)>();
        foreach (var (key, series) in set.Channels.WithDetails)
        {
            if (series.UserAgents.Count > 0 || series.MissingUserAgent > 0)
                withAgents.Add((key, series, InWindow(series, set.WindowStartTicks, set.AsOfTicks)));
        }
        var agents = withAgents.ToArray();
        var usage = context.FleetDevices >= MinFleetDevicesForRare ? UserAgentUsage.Of(agents.Select(c => (c.Key, c.Agents))) : null;
        var missingIsMeaningful = MissingIsMeaningful(context.InputFields);
        var candidates = agents.Where(c => c.Agents.Count > 0 || c.Value.MissingUserAgent > 0).ToArray();
        var findings = new Finding?[candidates.Length];
        Parallel.For(0, candidates.Length, context.Parallelism, i =>
        {
            var (key, series, inWindow) = candidates[i];
            var observation = new UserAgentObservation(key.Process, inWindow, series.HttpEvents, series.MissingUserAgent, missingIsMeaningful);
            var assessment = UserAgentScorer.Assess(observation, known, context.Tuning.Browsers, agent => usage?.IsRare(agent, key) ?? false);
            if (assessment is null || !context.Builds(assessment.Severity, key, series))
                return;
            findings[i] = HuntContext.Describe(key, series, Name, assessment.Score, assessment.Severity, context.PrevalenceOf(key.Destination)) with
            {
                SubScores = assessment.SubScores,
                Reasons = assessment.Reasons,
                MatchesIndicator = assessment.Signals.Contains(UserAgentSignal.KnownBad),
            };
        });
        return [.. findings.OfType<Finding>()];
    }

    /// <summary>
    /// An absent user agent means "none was sent" only when every input that logs HTTP requests
    /// has a user-agent field; unknown inputs (an empty list) are trusted.
    /// </summary>
    /// <summary>The channel's user agents last sent inside (<paramref name="startTicks"/>, <paramref name="asOfTicks"/>].</summary>
    internal static IReadOnlyDictionary<string, int> InWindow(ChannelSeries series, long startTicks, long asOfTicks)
    {
        var all = series.UserAgents;
        var last = series.UserAgentLastTicks;
        if (all.Count == 0 || all.Keys.All(a => last.TryGetValue(a, out var t) && t > startTicks && t <= asOfTicks))
            return all;
        return all.Where(kv => last.TryGetValue(kv.Key, out var t) && t > startTicks && t <= asOfTicks)
            .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
    }

    internal static bool MissingIsMeaningful(IReadOnlyList<TelemetryFields> inputs) =>
        !inputs.Any(f => f.HasFlag(TelemetryFields.HttpMethod) && !f.HasFlag(TelemetryFields.UserAgent));
}

/// <summary>Fleet-wide, which single device and destination each user agent was sent by and to, or that it was shared.</summary>
internal sealed class UserAgentUsage
{
    private readonly Dictionary<string, (string Device, string Destination, bool Shared)> _agents = new(StringComparer.Ordinal);

    public static UserAgentUsage Of(IEnumerable<(ChannelKey Key, IReadOnlyDictionary<string, int> Agents)> channels)
    {
        var usage = new UserAgentUsage();
        foreach (var (key, agents) in channels)
        {
            foreach (var agent in agents.Keys)
            {
                if (!usage._agents.TryGetValue(agent, out var seen))
                    usage._agents[agent] = (key.Device, key.Destination, false);
                else if (!seen.Shared && (seen.Device != key.Device || seen.Destination != key.Destination))
                    usage._agents[agent] = seen with { Shared = true };
            }
        }
        return usage;
    }

    /// <summary>Sent by <paramref name="channel"/>'s device to its destination and by no other (device, destination).</summary>
    public bool IsRare(string agent, ChannelKey channel) =>
        _agents.TryGetValue(agent, out var seen) && !seen.Shared && seen.Device == channel.Device && seen.Destination == channel.Destination;
}
