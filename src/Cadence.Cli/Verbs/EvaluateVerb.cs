using System.CommandLine;
using System.Globalization;
using Cadence.Evaluation;
using Cadence.Reporting;
using Cadence.Reporting.Findings;
using Cadence.Scoring;
using Cadence.Scoring.Tuning;
using Cadence.Sources;
using Cadence.Telemetry;

namespace Cadence.Cli.Verbs;

/// <summary><c>cadence evaluate --labels FILE PATH...</c>: the seed rule, RITA's score and Cadence side by side on labelled data.</summary>
internal static class EvaluateVerb
{
    // False alerts listed by name under the table, per method; the rest are counted.
    private const int ListedFalseAlerts = 15;

    public static Command Create(CliContext context)
    {
        var paths = new Argument<string[]>("PATH") { Description = "The labelled telemetry (files or directories).", Arity = ArgumentArity.OneOrMore };
        var labels = new Option<string>("--labels") { Description = "labels.csv as 'cadence simulate' writes it.", Required = true };
        var config = new Option<string?>("--config") { Description = "A tuning file (YAML) overriding the embedded defaults." };
        var window = new Option<string>("--window") { Description = "Lookback before as-of: 24h, 7d.", DefaultValueFactory = _ => "24h" };
        var alertAt = new Option<Severity>("--alert-at")
        {
            Description = "A finding at this severity or above counts as an alert (the seed rule alerts on every row).",
            DefaultValueFactory = _ => Severity.Medium,
        };
        var command = new Command("evaluate",
            """
            Measure detectors on labelled data: recall per implant profile, false alerts and false alerts per 1,000
            channels, for the seed rule, RITA's score and each of Cadence's analytics, in one Markdown table; then, in a
            second, implants found and false alerts of the seed rule, RITA and Cadence at every alert line (low to critical).

            Examples:
              cadence simulate --devices 150 --days 1 --seed 1 --format defender --out fleet/
              cadence evaluate --labels fleet/labels.csv fleet/
            """)
        {
            paths, labels, config, window, alertAt,
        };
        command.SetAction(parseResult =>
        {
            var windowText = parseResult.GetValue(window)!;
            if (!DurationText.TryParse(windowText, out var windowValue))
            {
                context.Error.WriteLine($"cadence: --window '{windowText}' is not a duration (for example 24h, 7d)");
                return ExitCodes.UsageError;
            }
            TuningFile tuning;
            try
            {
                tuning = parseResult.GetValue(config) is { } configPath ? TuningFile.Load(configPath) : TuningFile.Default;
            }
            catch (TuningException ex)
            {
                foreach (var error in ex.Errors)
                    context.Error.WriteLine($"cadence: {UntrustedText.ForTerminal(error.ToString())}");
                return ExitCodes.UsageError;
            }

            try
            {
                var labelList = LabelsFile.Read(parseResult.GetValue(labels)!);
                var report = Evaluator.Run(new EvaluationOptions(parseResult.GetValue(paths)!, labelList, tuning, null, windowValue, parseResult.GetValue(alertAt)));
                Write(context.Out, report, parseResult.GetValue(alertAt));
                return ExitCodes.Ok;
            }
            catch (Exception ex) when (ex is UnreadableInputException or MalformedInputException or IOException or UnauthorizedAccessException or InvalidDataException)
            {
                context.Error.WriteLine($"cadence: error: {UntrustedText.ForTerminal(ex.Message)}");
                return ExitCodes.RuntimeError;
            }
        });
        return command;
    }

    internal static void Write(TextWriter output, EvaluationReport report, Severity alertAt)
    {
        var methods = report.Methods;
        output.WriteLine($"{Count(report.Devices)} devices, {Count(report.Channels)} channels; an alert is a finding at {FindingWriter.SeverityName(alertAt)} or above (the seed rule: any row it returns).");
        output.WriteLine();
        output.WriteLine($"| implant profile | meant for | {string.Join(" | ", methods.Select(m => m.Method))} |");
        output.WriteLine($"|---|---|{string.Concat(methods.Select(_ => "---:|"))}");
        foreach (var (profile, expected) in report.Profiles)
        {
            var cells = methods.Select(m => m.FoundByProfile.TryGetValue(profile, out var v) ? $"{v.Found}/{v.Total}" : "-");
            output.WriteLine($"| {Cell(profile)} | {Cell(expected)} | {string.Join(" | ", cells)} |");
        }
        output.WriteLine($"| **recall** | | {string.Join(" | ", methods.Select(m => $"**{Recall(m)}**"))} |");
        output.WriteLine($"| **false alerts** | | {string.Join(" | ", methods.Select(m => $"**{Count(m.FalseAlerts.Count)}**"))} |");
        output.WriteLine($"| **per 1,000 channels** | | {string.Join(" | ", methods.Select(m => $"**{PerThousand(m)}**"))} |");
        foreach (var method in methods.Where(m => m.FalseAlerts.Count > 0))
        {
            output.WriteLine();
            var byProfile = method.FalseAlerts.GroupBy(a => a.Profile).OrderByDescending(g => g.Count()).Select(g => $"{Count(g.Count())} {Cell(g.Key)}");
            output.WriteLine($"False alerts of {method.Method}: {string.Join(", ", byProfile)}");
            foreach (var (channel, profile) in method.FalseAlerts.Take(ListedFalseAlerts))
                output.WriteLine($"- {Cell(channel)} ({Cell(profile)})");
            if (method.FalseAlerts.Count > ListedFalseAlerts)
                output.WriteLine($"- and {Count(method.FalseAlerts.Count - ListedFalseAlerts)} more");
        }
        WriteAlertLines(output, report, alertAt);
    }

    // Where to alert is a trade-off between implants missed and analysts' time: one row per line
    // and detector, from the same hunts as the table above (its totals are the rows at --alert-at).
    private static void WriteAlertLines(TextWriter output, EvaluationReport report, Severity alertAt)
    {
        if (report.AlertLines.Count == 0)
            return;
        output.WriteLine();
        output.WriteLine($"At every alert line (the totals above are the rows at {FindingWriter.SeverityName(alertAt)}; the seed rule alerts on every row it returns, at any line):");
        output.WriteLine();
        output.WriteLine("| alert at | detector | implants found | false alerts | per 1,000 channels |");
        output.WriteLine("|---|---|---:|---:|---:|");
        foreach (var line in report.AlertLines)
        {
            foreach (var m in line.Methods)
                output.WriteLine($"| {FindingWriter.SeverityName(line.AlertAt)} | {m.Method} | {Recall(m)} | {Count(m.FalseAlerts.Count)} | {PerThousand(m)} |");
        }
    }

    private static string Recall(MethodResult m) => $"{m.Found}/{m.Implants} ({Percent(m.Recall)})";

    private static string PerThousand(MethodResult m) => m.FalseAlertsPerThousandChannels.ToString("0.00", CultureInfo.InvariantCulture);

    // Names come from the data: keep them from breaking the Markdown table or the terminal.
    private static string Cell(string text) => UntrustedText.ForTerminal(text).Replace("|", "\\|", StringComparison.Ordinal);

    private static string Percent(double share) => share.ToString("0%", CultureInfo.InvariantCulture);

    private static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
