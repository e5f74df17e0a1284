using System.CommandLine;
using System.Globalization;
using Cadence.Analytics.Seed;
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
            Description = "The analytic to run: 'seed' is the Sentinel T1071.001 beaconing rule, with Kusto's semantics.",
            DefaultValueFactory = _ => SeedRule.Name,
        };
        rule.AcceptOnlyFromAmong(SeedRule.Name);
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
            Hunt for beaconing in exported telemetry: Defender DeviceNetworkEvents (CSV, Graph JSON, JSON array, NDJSON),
            Zeek conn/http/ssl logs (TSV or JSON lines), Sysmon (Windows XML, Linux syslog), Sentinel CommonSecurityLog (CSV, JSON) and raw CEF,
            Squid and W3C (IIS, proxy) logs, in any mix. 'cadence sources' lists what each format provides.

            Examples:
              cadence hunt samples/defender/DeviceNetworkEvents.csv
              cadence hunt exports/ --rule seed --format csv --output beacons.csv
              cadence hunt export.csv.gz --as-of 2024-03-26T12:00:00Z --window 24h --format json
              gzip -dc export.csv.gz | cadence hunt - --strict
              cadence hunt /opt/zeek/logs/2023-01-05/ --format json
            """)
        {
            paths, rule, asOf, window, format, output, strict,
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

            var options = new SeedHuntOptions(parseResult.GetValue(paths)!, asOfValue, windowValue, parseResult.GetValue(strict));
            return Run(context, options, parseResult.GetValue(format), parseResult.GetValue(output));
        });
        return command;
    }

    private static int Run(CliContext context, SeedHuntOptions options, OutputFormat format, string? outputPath)
    {
        SeedHuntResult result;
        try
        {
            result = RunWithProgress(context, options);
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

        try
        {
            if (outputPath is null)
            {
                SeedResultWriter.Write(format, result.Rows, context.Out, context.ConsoleFor(context.Out, context.OutputIsTerminal));
                context.Out.Flush();
            }
            else
            {
                using var file = new StreamWriter(outputPath, append: false, new System.Text.UTF8Encoding(false));
                SeedResultWriter.Write(format, result.Rows, file, context.ConsoleFor(file, isTerminal: false));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            context.Error.WriteLine($"cadence: error: cannot write {outputPath ?? "standard output"}: {ex.Message}");
            return ExitCodes.RuntimeError;
        }

        RunSummary.Write(context.Error, result);
        return ExitCodes.Ok;
    }

    private static SeedHuntResult RunWithProgress(CliContext context, SeedHuntOptions options)
    {
        var progress = new ReadProgress();
        var totalBytes = options.Paths.Where(p => p != "-").Sum(p => File.Exists(p) ? new FileInfo(p).Length : 0);
        if (!context.ErrorIsTerminal || totalBytes < ProgressThresholdBytes)
            return SeedHunt.Run(options, progress);

        var console = context.ConsoleFor(context.Error, isTerminal: true);
        return console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("reading", maxValue: totalBytes);
                var hunt = Task.Run(() => SeedHunt.Run(options, progress));
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
