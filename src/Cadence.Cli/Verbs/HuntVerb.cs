using System.CommandLine;
using System.Globalization;
using Cadence.Analytics;
using Cadence.Analytics.Seed;
using Cadence.Reporting.Findings;
using Cadence.Scoring;
using Cadence.Scoring.Tuning;
using Cadence.Reporting;
using Cadence.Reporting.Seed;
using Cadence.Sources;
using Cadence.Telemetry;
using Spectre.Console;

namespace Cadence.Cli.Verbs;

/// <summary><c>cadence hunt PATH...</c>: read telemetry, run the rule, write the results.</summary>
internal static class HuntVerb
{
    // Below this much input the run is over before a progress bar would be readable.
    private const long ProgressThresholdBytes = 32L << 20;

    public static Command Create(CliContext context)
    {
        var paths = new Argument<string[]>("PATH")
        {
            Description = "Files or directories to read (directories are walked; '-' reads standard input). Gzip is read transparently; the format is detected from the content.",
            Arity = ArgumentArity.OneOrMore,
        };
        var rule = new Option<string>("--rule")
        {
            Description = "What to run: 'all' (Cadence's analytics, findings with scores and reasons) or 'seed' (the Sentinel T1071.001 rule alone, with Kusto's semantics and its own columns).",
            DefaultValueFactory = _ => AllRules,
        };
        rule.AcceptOnlyFromAmong(AllRules, SeedRule.Name);
        var scoring = new Option<BeaconScoring>("--scoring")
        {
            Description = "The beacon score: 'cadence' (jitter-robust, default) or 'rita' (RITA v5's score reproduced, over its own 24 h window).",
            DefaultValueFactory = _ => BeaconScoring.Cadence,
        };
        var config = new Option<string?>("--config") { Description = "A tuning file (YAML) overriding the embedded defaults; 'cadence config show' prints them." };
        var minSeverity = new Option<Severity>("--min-severity")
        {
            Description = "Write findings at this severity or above: info, low, medium, high, critical.",
            DefaultValueFactory = _ => Severity.Low,
        };
        var showSuppressed = new Option<bool>("--show-suppressed") { Description = "Also write the findings the allowlist suppressed, each naming the entry that did." };
        var asOf = new Option<string?>("--as-of")
        {
            Description = "KQL's now(), ISO 8601 (2024-03-26T12:00:00Z). Default: the latest event timestamp read (printed on stderr).",
        };
        var window = new Option<string>("--window")
        {
            Description = "Lookback before as-of: 30m, 24h, 7d. Events in (as-of - window, as-of] are kept.",
            DefaultValueFactory = _ => "24h",
        };
        var format = new Option<OutputFormat>("--format")
        {
            Description = "Output format.",
            DefaultValueFactory = _ => OutputFormat.Table,
        };
        var output = new Option<string?>("--output", "-o") { Description = "Write results to this file instead of standard output." };
        var strict = new Option<bool>("--strict") { Description = "Stop at the first malformed row (exit 1, with its file:line) instead of counting it." };

        var command = new Command("hunt",
            """
            Hunt for command-and-control in exported telemetry: by default Cadence's analytics (beacon timing, user agents,
            TLS fingerprints, WebSocket and long sessions, processes) as scored, explained findings; '--rule seed' runs the
            Sentinel T1071.001 rule alone. Reads Defender DeviceNetworkEvents (CSV, Graph JSON, JSON array, NDJSON),
            Zeek conn/http/ssl logs (TSV or JSON lines), Sysmon (Windows XML, Linux syslog), Sentinel CommonSecurityLog (CSV, JSON) and raw CEF,
            Squid and W3C (IIS, proxy) logs, in any mix. 'cadence sources' lists what each format provides.

            Examples:
              cadence hunt samples/defender/DeviceNetworkEvents.csv
              cadence hunt exports/ --rule seed --format csv --output beacons.csv
              cadence hunt export.csv.gz --as-of 2024-03-26T12:00:00Z --window 7d --format json --min-severity medium
              cadence hunt /opt/zeek/logs/2023-01-05/ --scoring rita
              cadence hunt exports/ --config tuning.yaml --show-suppressed --format csv -o findings.csv
              gzip -dc export.csv.gz | cadence hunt - --strict
            """)
        {
            paths, rule, scoring, config, minSeverity, showSuppressed, asOf, window, format, output, strict,
        };

        command.SetAction(parseResult =>
        {
            DateTime? asOfValue = null;
            if (parseResult.GetValue(asOf) is { } asOfText)
            {
                if (!IsoTimestamp.TryParseUtcTicks(asOfText, out var ticks))
                    return UsageError(context, $"--as-of '{asOfText}' is not an ISO 8601 time (for example 2024-03-26T12:00:00Z)");
                asOfValue = new DateTime(ticks, DateTimeKind.Utc);
            }
            var windowText = parseResult.GetValue(window)!;
            if (!DurationText.TryParse(windowText, out var windowValue))
                return UsageError(context, $"--window '{windowText}' is not a duration (for example 30m, 24h, 7d)");

            if (parseResult.GetValue(rule) == SeedRule.Name)
            {
                var seedOptions = new SeedHuntOptions(parseResult.GetValue(paths)!, asOfValue, windowValue, parseResult.GetValue(strict));
                return Run(context, seedOptions, parseResult.GetValue(format), parseResult.GetValue(output));
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
            var options = new HuntOptions(parseResult.GetValue(paths)!, tuning, asOfValue, windowValue, parseResult.GetValue(strict))
            {
                Scoring = parseResult.GetValue(scoring),
                MinSeverity = parseResult.GetValue(minSeverity),
            };
            return Run(context, options, parseResult.GetValue(format), parseResult.GetValue(output), parseResult.GetValue(minSeverity), parseResult.GetValue(showSuppressed));
        });
        return command;
    }

    private const string AllRules = "all";

    private static int Run(CliContext context, HuntOptions options, OutputFormat format, string? outputPath, Severity minSeverity, bool showSuppressed)
    {
        // The pause lasts until the findings are written: ended right after the hunt, the next
        // allocation (the list of findings shown) met an exhausted budget and the collector ran a
        // full collection over every channel the run had built (about a tenth of the CPU samples
        // of an all-analytics run on the 1M-row export, perf), to free what the exit frees anyway.
        using var pause = CollectionPause.Begin();
        HuntResult result;
        try
        {
            result = RunWithProgress(context, options.Paths, progress => Hunt.Run(options, progress));
        }
        catch (Exception ex) when (ex is UnreadableInputException or MalformedInputException or IOException or UnauthorizedAccessException)
        {
            context.Error.WriteLine($"cadence: error: {UntrustedText.ForTerminal(ex.Message)}");
            return ExitCodes.RuntimeError;
        }
        catch (Exception ex)
        {
            context.Error.WriteLine($"cadence: internal error: {UntrustedText.ForTerminal(ex.GetType().Name)}: {UntrustedText.ForTerminal(ex.Message)}");
            return ExitCodes.RuntimeError;
        }

        var shown = result.Findings.Where(f => f.Severity >= minSeverity).ToList();
        if (showSuppressed)
            shown.AddRange(result.Suppressed.Where(f => f.Severity >= minSeverity));
        var written = WriteResults(context, outputPath, (writer, console) => FindingWriter.Write(format, shown, writer, console));
        if (written != ExitCodes.Ok)
            return written;
        RunSummary.Write(context.Error, result, minSeverity, shown.Count);
        return ExitCodes.Ok;
    }

    /// <summary>Writes to the output file, or standard output; a write failure is exit 1 with one line, not a stack trace.</summary>
    private static int WriteResults(CliContext context, string? outputPath, Action<TextWriter, IAnsiConsole> write)
    {
        try
        {
            if (outputPath is null)
            {
                write(context.Out, context.ConsoleFor(context.Out, context.OutputIsTerminal));
                context.Out.Flush();
            }
            else
            {
                using var file = new StreamWriter(outputPath, append: false, new System.Text.UTF8Encoding(false));
                write(file, context.ConsoleFor(file, isTerminal: false));
            }
            return ExitCodes.Ok;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            context.Error.WriteLine($"cadence: error: cannot write {outputPath ?? "standard output"}: {ex.Message}");
            return ExitCodes.RuntimeError;
        }
    }

    private static int Run(CliContext context, SeedHuntOptions options, OutputFormat format, string? outputPath)
    {
        // The seed rule's groups, like a hunt's channels, live to the end of the run: its
        // tables growing made the runtime run two full blocking collections on the 1M-row
        // export, about 13 ms each with the other reader thread stopped (perf timeline). The
        // pause lasts until the rows are written, as for a hunt (above).
        using var pause = CollectionPause.Begin();
        SeedHuntResult result;
        try
        {
            result = RunWithProgress(context, options.Paths, progress => SeedHunt.Run(options, progress));
        }
        catch (Exception ex) when (ex is UnreadableInputException or MalformedInputException or IOException or UnauthorizedAccessException)
        {
            context.Error.WriteLine($"cadence: error: {UntrustedText.ForTerminal(ex.Message)}");
            return ExitCodes.RuntimeError;
        }
        catch (Exception ex)
        {
            // A defect, not bad input: still one line and exit 1, never a stack trace on the analyst's screen.
            context.Error.WriteLine($"cadence: internal error: {UntrustedText.ForTerminal(ex.GetType().Name)}: {UntrustedText.ForTerminal(ex.Message)}");
            return ExitCodes.RuntimeError;
        }

        var written = WriteResults(context, outputPath, (writer, console) => SeedResultWriter.Write(format, result.Rows, writer, console));
        if (written != ExitCodes.Ok)
            return written;

        RunSummary.Write(context.Error, result);
        return ExitCodes.Ok;
    }

    private static T RunWithProgress<T>(CliContext context, IReadOnlyList<string> paths, Func<ReadProgress, T> run)
    {
        var progress = new ReadProgress();
        var totalBytes = paths.Where(p => p != "-").Sum(p => File.Exists(p) ? new FileInfo(p).Length : 0);
        if (!context.ErrorIsTerminal || totalBytes < ProgressThresholdBytes)
            return run(progress);

        var console = context.ConsoleFor(context.Error, isTerminal: true);
        return console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("reading", maxValue: totalBytes);
                var hunt = Task.Run(() => run(progress));
                // Not Task.Wait: it wraps a failure in AggregateException, and the caller must see
                // the reader's own exception (a file it cannot read is exit 1, not a crash).
                while (!((IAsyncResult)hunt).AsyncWaitHandle.WaitOne(TimeSpan.FromMilliseconds(200)))
                    task.Value = Math.Min(progress.BytesRead, totalBytes);
                task.Value = totalBytes;
                return hunt.GetAwaiter().GetResult();
            });
    }

    private static int UsageError(CliContext context, string message)
    {
        context.Error.WriteLine($"cadence: {message}");
        return ExitCodes.UsageError;
    }
}
