using Cadence.Scoring;
using Cadence.Scoring.Tuning;

namespace Cadence.Analytics.UserAgents;

/// <summary>What the user-agent analytic knows of one channel.</summary>
/// <param name="Process">The initiating process; empty when the telemetry does not see processes.</param>
/// <param name="UserAgents">Each distinct user agent the channel sent, with how many HTTP requests carried it.</param>
/// <param name="HttpEvents">Requests with HTTP details (a method or a user agent).</param>
/// <param name="MissingUserAgent">HTTP requests with an empty or missing user agent.</param>
/// <param name="MissingIsMeaningful">
/// False when some input logs HTTP requests without a user-agent field at all (Squid's native
/// format, a W3C log without cs(User-Agent)): there an absent value proves nothing.
/// </param>
public sealed record UserAgentObservation(
    string Process,
    IReadOnlyDictionary<string, int> UserAgents,
    long HttpEvents,
    long MissingUserAgent,
    bool MissingIsMeaningful);

/// <summary>The signals of one user agent (or of the channel's missing ones), strongest first in <see cref="UserAgentAssessment.Signals"/>.</summary>
public enum UserAgentSignal
{
    /// <summary>A known-bad entry that is worth a finding alone (the shipped list's <c>high</c> rows, the user's own).</summary>
    KnownBad,

    /// <summary>A C2 framework's default that is also a real browser's user agent, seen beside another signal.</summary>
    FrameworkDefault,

    /// <summary>A browser user agent sent by a process that is not a browser.</summary>
    BrowserFromNonBrowser,

    /// <summary>Sent by one device towards one destination only, fleet-wide.</summary>
    Rare,

    /// <summary>A generic tool or library (the shipped list's <c>low</c> rows).</summary>
    Tool,

    /// <summary>HTTP requests without a user agent.</summary>
    Missing,
}

/// <summary>The verdict on one channel: severity and score, the signals behind them, and their explanation.</summary>
public sealed record UserAgentAssessment(
    Severity Severity,
    double Score,
    IReadOnlyList<UserAgentSignal> Signals,
    IReadOnlyDictionary<string, double?> SubScores,
    IReadOnlyList<string> Reasons);

/// <summary>
/// Scores a channel's user agents. Each signal has a severity of its own and a weight for the
/// score; a channel is as severe as its most severe user agent (docs/analytics.md, "User agents").
/// </summary>
public static class UserAgentScorer
{
    // Weights combine as independent evidence: score = 1 - product(1 - weight). They order the
    // findings within a severity; the severity itself comes from the rules in Assess.
    internal const double KnownBadWeight = 0.9;
    internal const double FrameworkDefaultWeight = 0.5;
    internal const double BrowserMismatchWeight = 0.4;
    internal const double RareWeight = 0.35;
    internal const double ToolWeight = 0.3;
    internal const double MissingWeight = 0.35;

    /// <summary>Longest user agent quoted in a reason: enough to recognise one, bounded against a hostile megabyte.</summary>
    private const int QuotedLength = 160;

    /// <summary>The channel's verdict; null when nothing about its user agents is unusual.</summary>
    /// <param name="browsers">Which processes are browsers and which user agents claim to be one (the tuning file's <c>browsers</c>).</param>
    /// <param name="isRare">Whether a user agent is sent by this channel's device to this destination only, fleet-wide.</param>
    public static UserAgentAssessment? Assess(UserAgentObservation channel, KnownUserAgents known, BrowserTuning browsers, Func<string, bool> isRare)
    {
        var severity = Severity.Info;
        var score = 0.0;
        var signals = new SortedSet<UserAgentSignal>();
        var reasons = new List<string>();
        double? knownBad = null, framework = null, tool = null, rare = null, mismatch = null, missing = null;
        var processKnown = channel.Process.Length > 0;
        var browserProcess = processKnown && browsers.IsBrowserProcess(channel.Process);

        // Ordinal order: the same reasons in the same order whatever order the readers' threads merged them in.
        foreach (var (agent, requests) in channel.UserAgents.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var entry = known.Match(agent);
            var isRareAgent = isRare(agent);
            var isMismatch = processKnown && !browserProcess && browsers.IsBrowserUserAgent(agent);
            var corroborations = (isRareAgent ? 1 : 0) + (isMismatch ? 1 : 0);
            var quoted = Quote(agent);
            var share = $"{requests:N0} of {channel.HttpEvents:N0} HTTP requests";

            Severity agentSeverity;
            var weights = new List<double>();
            var agentReasons = new List<string>();
            var agentSignals = new List<UserAgentSignal>();
            if (entry is { Alone: UserAgentWeight.High })
            {
                agentSeverity = Severity.High;
                weights.Add(KnownBadWeight);
                agentSignals.Add(UserAgentSignal.KnownBad);
                agentReasons.Add($"known-bad user agent {quoted} ({share}): {Describe(entry)}");
            }
            else if (entry is { Alone: UserAgentWeight.None } && corroborations > 0)
            {
                // A framework's default alone is also some browser's; with a rare or mismatched
                // sender it is the framework far more often than that browser.
                agentSeverity = corroborations >= 2 ? Severity.High : Severity.Medium;
                weights.Add(FrameworkDefaultWeight);
                agentSignals.Add(UserAgentSignal.FrameworkDefault);
                agentReasons.Add($"user agent {quoted} ({share}) is a C2 framework default that is also a real browser's, so it counts only with the signal below: {Describe(entry)}");
            }
            else if (entry is { Alone: UserAgentWeight.Low })
            {
                // A tool's user agent carries its version, so one device's cron job is naturally
                // "rare": rarity adds nothing to it.
                agentSeverity = Severity.Low;
                weights.Add(ToolWeight);
                agentSignals.Add(UserAgentSignal.Tool);
                agentReasons.Add($"user agent {quoted} ({share}) is a generic tool or library: {Describe(entry)}");
                corroborations = isMismatch ? 1 : 0;
                isRareAgent = false;
            }
            else
            {
                agentSeverity = corroborations switch { >= 2 => Severity.Medium, 1 => Severity.Low, _ => Severity.Info };
            }

            if (isMismatch)
            {
                weights.Add(BrowserMismatchWeight);
                agentSignals.Add(UserAgentSignal.BrowserFromNonBrowser);
                agentReasons.Add($"browser user agent {quoted} ({share}) sent by {channel.Process}, which is not a browser");
            }
            if (isRareAgent)
            {
                weights.Add(RareWeight);
                agentSignals.Add(UserAgentSignal.Rare);
                agentReasons.Add($"rare user agent {quoted} ({share}): no other device sends it, and this device sends it to this destination only");
            }
            if (agentSeverity == Severity.Info)
                continue;

            severity = Max(severity, agentSeverity);
            var agentScore = Combine(weights);
            score = Math.Max(score, agentScore);
            signals.UnionWith(agentSignals);
            reasons.AddRange(agentReasons);
            foreach (var signal in agentSignals)
            {
                var w = signal switch
                {
                    UserAgentSignal.KnownBad => KnownBadWeight,
                    UserAgentSignal.FrameworkDefault => FrameworkDefaultWeight,
                    UserAgentSignal.BrowserFromNonBrowser => BrowserMismatchWeight,
                    UserAgentSignal.Rare => RareWeight,
                    _ => ToolWeight,
                };
                switch (signal)
                {
                    case UserAgentSignal.KnownBad: knownBad = w; break;
                    case UserAgentSignal.FrameworkDefault: framework = w; break;
                    case UserAgentSignal.BrowserFromNonBrowser: mismatch = w; break;
                    case UserAgentSignal.Rare: rare = w; break;
                    case UserAgentSignal.Tool: tool = w; break;
                }
            }
        }

        if (channel.MissingIsMeaningful && channel.MissingUserAgent > 0)
        {
            severity = Max(severity, Severity.Low);
            score = Math.Max(score, MissingWeight);
            signals.Add(UserAgentSignal.Missing);
            missing = (double)channel.MissingUserAgent / Math.Max(1, channel.HttpEvents);
            reasons.Add($"{channel.MissingUserAgent:N0} of {channel.HttpEvents:N0} HTTP requests carried no user agent (browsers and most libraries always send one)");
        }

        if (signals.Count == 0)
            return null;
        var subScores = new Dictionary<string, double?>
        {
            ["knownBad"] = knownBad,
            ["frameworkDefault"] = framework,
            ["browserFromNonBrowser"] = processKnown ? mismatch ?? 0 : null,
            ["rare"] = rare ?? 0,
            ["tool"] = tool,
            ["missingShare"] = channel.MissingIsMeaningful ? missing ?? 0 : null,
        };
        if (!processKnown)
            reasons.Add("process not in the telemetry: a browser user agent from a non-browser cannot be checked");
        if (!channel.MissingIsMeaningful)
            reasons.Add("an input logs HTTP requests without a user-agent field, so missing user agents are not counted");
        return new UserAgentAssessment(severity, Math.Round(score, 3), [.. signals], subScores, reasons);
    }

    internal static double Combine(IEnumerable<double> weights) => 1 - weights.Aggregate(1.0, (rest, w) => rest * (1 - w));

    /// <summary>The user agent in quotes, shortened: it is attacker-controlled text, shown, never interpreted (writers escape it).</summary>
    internal static string Quote(string userAgent) =>
        userAgent.Length <= QuotedLength ? $"\"{userAgent}\"" : $"\"{userAgent[..QuotedLength]}…\" ({userAgent.Length:N0} characters)";

    private static string Describe(KnownUserAgent entry) =>
        $"matches {(entry.Match == UserAgentMatch.Exact ? "exactly" : "the substring")} \"{entry.Pattern}\" ({entry.Note} Source: {entry.Source})";

    private static Severity Max(Severity a, Severity b) => a >= b ? a : b;
}
