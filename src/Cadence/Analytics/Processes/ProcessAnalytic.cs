using Cadence.Channels;
using Cadence.Scoring;
using Cadence.Scoring.Tuning;
using Cadence.Telemetry;

namespace Cadence.Analytics.Processes;

/// <summary>What the process analytic knows of one channel: who made the connections, and how it was started.</summary>
/// <param name="Process">The initiating process's file name (or full path).</param>
/// <param name="CommandLines">The distinct command lines the telemetry logged for it on this channel (capped).</param>
public sealed record ProcessObservation(string Process, IReadOnlyCollection<string> CommandLines);

/// <summary>The verdict on one channel, with the tuning entries behind it.</summary>
public sealed record ProcessAssessment(
    Severity Severity,
    double Score,
    SuspiciousProcess? Process,
    IReadOnlyList<(SuspiciousCommandLine Entry, string CommandLine)> CommandLines,
    IReadOnlyList<string> Reasons);

/// <summary>
/// Scores who made a channel's web connections. A script host or living-off-the-land binary
/// (the tuning file's <c>suspicious_processes</c>) is low: it raises a beacon on the same channel
/// and is a finding worth a look at a rare destination, but administrators and developers run
/// these tools every day. A command line that builds a web client (<c>suspicious_command_lines</c>)
/// is medium, whatever the process: it says how the connection was made, not only by what.
/// </summary>
public static class ProcessScorer
{
    internal const double ProcessWeight = 0.4;
    internal const double CommandLineWeight = 0.6;

    /// <summary>Longest command line quoted in a reason: download cradles fit; a padded, obfuscated one is cut.</summary>
    private const int QuotedLength = 240;

    public static ProcessAssessment? Assess(ProcessObservation channel, SuspiciousProcesses processes, SuspiciousCommandLines commandLines) =>
        Assess(channel, processes, commandLines.Match);

    /// <summary>As above, with the command-line matcher given (the analytic remembers its answers per command line).</summary>
    public static ProcessAssessment? Assess(ProcessObservation channel, SuspiciousProcesses processes, Func<string, SuspiciousCommandLine?> matchCommandLine)
    {
        var process = processes.Match(channel.Process);
        var matches = new List<(SuspiciousCommandLine, string)>();
        foreach (var commandLine in channel.CommandLines.Order(StringComparer.Ordinal))
        {
            if (matchCommandLine(commandLine) is { } entry)
                matches.Add((entry, commandLine));
        }
        if (process is null && matches.Count == 0)
            return null;

        var reasons = new List<string>();
        var weights = new List<double>();
        if (process is not null)
        {
            weights.Add(ProcessWeight);
            reasons.Add($"web connections made by {process.Name}: {process.Reason}");
        }
        foreach (var (entry, commandLine) in matches)
            reasons.Add($"command line builds a web client ({entry.Contains}: {entry.Reason}): {Quote(commandLine)}");
        if (matches.Count > 0)
            weights.Add(CommandLineWeight);
        if (process is not null && matches.Count == 0 && channel.CommandLines.Count > 0)
            reasons.Add($"none of its {channel.CommandLines.Count} logged command line(s) builds a web client");
        if (process is not null && channel.CommandLines.Count == 0)
            reasons.Add("no command line in the telemetry to tell a download cradle from routine use");

        var severity = matches.Count > 0 ? Severity.Medium : Severity.Low;
        var score = 1 - weights.Aggregate(1.0, (rest, w) => rest * (1 - w));
        return new ProcessAssessment(severity, Math.Round(score, 3), process, matches, reasons);
    }

    /// <summary>The command line in quotes, shortened: attacker-controlled text, shown, never interpreted (writers escape it).</summary>
    internal static string Quote(string commandLine) =>
        commandLine.Length <= QuotedLength ? $"\"{commandLine}\"" : $"\"{commandLine[..QuotedLength]}…\" ({commandLine.Length:N0} characters)";
}

/// <summary>Web connections by script hosts and living-off-the-land binaries, and command lines that build web clients.</summary>
public sealed class ProcessAnalytic : IChannelAnalytic
{
    public const string AnalyticName = "process";

    public string Name => AnalyticName;

    public TelemetryFields Requires => TelemetryFields.ProcessName;

    public IReadOnlyList<Finding> Evaluate(HuntContext context)
    {
        var channels = context.Channels.Channels;
        var findings = new Finding?[channels.Count];
        // This loop runs over every channel of the fleet, on every core, each thread with its
        // own verdict caches.
        Parallel.For(0, channels.Count, context.Parallelism, () => new Verdicts(context.Tuning), (i, _, verdicts) =>
        {
            var (key, series) = channels.All[i];
            findings[i] = Assess(context, key, series, channels.Glances[i], verdicts);
            return verdicts;
        }, _ => { });
        return [.. findings.OfType<Finding>()];
    }

    private Finding? Assess(HuntContext context, ChannelKey key, ChannelSeries series, ChannelGlance glance, Verdicts verdicts)
    {
        if (key.Process.Length == 0)
            return null;
        // Most channels belong to ordinary processes with ordinary command lines: settle those
        // without building an assessment, and (one command line or none, nearly all of them)
        // from the table's glance, without reading the channel's series.
        if (!verdicts.IsListed(key.Process))
        {
            var matches = glance.CommandLines switch
            {
                0 => false,
                1 => verdicts.Match(glance.FirstCommandLine!) is not null,
                _ => verdicts.AnyMatches(series.CommandLines),
            };
            if (!matches)
                return null;
        }
        var assessment = ProcessScorer.Assess(new ProcessObservation(key.Process, [.. series.CommandLines]), context.Tuning.SuspiciousProcesses, verdicts.Match);
        if (assessment is null || !context.Builds(assessment.Severity, key, series))
            return null;
        return HuntContext.Describe(key, series, Name, assessment.Score, assessment.Severity, context.PrevalenceOf(key.Destination)) with
        {
            SubScores = new Dictionary<string, double?>
            {
                ["process"] = assessment.Process is null ? 0 : ProcessScorer.ProcessWeight,
                ["commandLine"] = series.CommandLines.IsEmpty ? null : assessment.CommandLines.Count > 0 ? ProcessScorer.CommandLineWeight : 0,
            },
            Reasons = assessment.Reasons,
        };
    }

    /// <summary>
    /// One thread's verdicts on the processes and command lines it has seen. A fleet's channels
    /// share a few thousand command lines and processes, and the readers intern them: each
    /// verdict is remembered per string instance, so a channel's lookup hashes a reference, not
    /// the text (the case-insensitive scan over every entry was once the analytic's whole cost;
    /// hashing each long command line again was the next).
    /// </summary>
    private sealed class Verdicts(TuningFile tuning)
    {
        private readonly Dictionary<string, SuspiciousCommandLine?> _commandLines = new(ReferenceEqualityComparer.Instance as IEqualityComparer<string>);
        private readonly Dictionary<string, bool> _processes = new(ReferenceEqualityComparer.Instance as IEqualityComparer<string>);

        public SuspiciousCommandLine? Match(string commandLine)
        {
            if (!_commandLines.TryGetValue(commandLine, out var entry))
                _commandLines[commandLine] = entry = tuning.SuspiciousCommandLines.Match(commandLine);
            return entry;
        }

        public bool AnyMatches(ReadOnlySpan<string> commandLines)
        {
            foreach (var commandLine in commandLines)
            {
                if (Match(commandLine) is not null)
                    return true;
            }
            return false;
        }

        public bool IsListed(string process)
        {
            if (!_processes.TryGetValue(process, out var listed))
                _processes[process] = listed = tuning.SuspiciousProcesses.Match(process) is not null;
            return listed;
        }
    }
}
