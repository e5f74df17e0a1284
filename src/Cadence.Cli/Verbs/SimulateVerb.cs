using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Cadence.Reporting;
using Cadence.Simulation;
using Cadence.Telemetry;

namespace Cadence.Cli.Verbs;

/// <summary><c>cadence simulate</c>: write a deterministic, labelled fleet to test a detector against.</summary>
internal static class SimulateVerb
{
    public static Command Create(CliContext context)
    {
        var devices = new Option<int>("--devices")
        {
            Description = $"Devices in the fleet (1 to {SimulationOptions.MaxDevices.ToString("N0", CultureInfo.InvariantCulture)}).",
            DefaultValueFactory = _ => 150,
        };
        var days = new Option<int>("--days")
        {
            Description = $"Days to simulate (1 to {SimulationOptions.MaxDays}).",
            DefaultValueFactory = _ => 1,
        };
        var seed = new Option<long>("--seed")
        {
            Description = "Seed of every random choice: the same seed and options give the same bytes.",
            DefaultValueFactory = _ => 1,
        };
        var format = new Option<SimulationFormat>("--format")
        {
            HelpName = "defender|zeek",
            Description = "defender: DeviceNetworkEvents.csv as advanced hunting exports it; zeek: conn.log, http.log, ssl.log (TSV).",
            DefaultValueFactory = _ => SimulationFormat.Defender,
        };
        var output = new Option<string>("--out")
        {
            Description = "Directory to write into (created if missing); labels.csv goes beside the data.",
            Required = true,
        };
        var start = new Option<string?>("--start")
        {
            Description = "UTC start of the simulated period, ISO 8601. Default: 2026-11-30T00:00:00Z (a Monday).",
        };

        var command = new Command("simulate",
            """
            Write a simulated fleet with labelled C2 implants (Cobalt Strike, Sliver, Mythic, Covenant, Empire, PoshC2, slow,
            CDN-fronted, office-hours, browser-injected, plus user-agent, WebSocket, JA3 and download-cradle implants) hidden
            among benign traffic the seed rule mistakes for beaconing (agents, updaters, sync clients, browser polling) and
            web browsing. DIR/labels.csv lists every channel with its label and the analytic expected to find it.

            Examples:
              cadence simulate --devices 150 --days 1 --seed 7 --format defender --out fleet/
              cadence simulate --devices 40 --days 7 --seed 7 --format zeek --out zeek-fleet/ --start 2026-12-07T00:00:00Z
              cadence hunt fleet/DeviceNetworkEvents.csv
            """)
        {
            devices, days, seed, format, output, start,
        };

        command.SetAction(parseResult =>
        {
            var startText = parseResult.GetValue(start);
            var startValue = SimulationOptions.DefaultStart;
            var problems = new List<string>();
            if (startText is not null)
            {
                if (IsoTimestamp.TryParseUtcTicks(startText, out var ticks))
                    startValue = new DateTime(ticks, DateTimeKind.Utc);
                else
                    problems.Add($"--start '{startText}' is not an ISO 8601 time (for example 2026-11-30T00:00:00Z)");
            }
            var options = new SimulationOptions(
                parseResult.GetValue(devices), parseResult.GetValue(days), parseResult.GetValue(seed), parseResult.GetValue(format),
                parseResult.GetValue(output)!)
            {
                Start = startValue,
            };
            problems.AddRange(options.Validate());
            if (problems.Count == 0 && WriteProblem(options.OutputDirectory) is { } writeProblem)
                problems.Add(writeProblem);
            if (problems.Count > 0)
            {
                foreach (var problem in problems)
                    context.Error.WriteLine($"cadence: {UntrustedText.ForTerminal(problem)}");
                return ExitCodes.UsageError;
            }
            return Run(context, options);
        });
        return command;
    }

    private static int Run(CliContext context, SimulationOptions options)
    {
        var clock = Stopwatch.StartNew();
        SimulationResult result;
        try
        {
            result = FleetSimulator.Run(options);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            context.Error.WriteLine($"cadence: error: cannot write {UntrustedText.ForTerminal(options.OutputDirectory)}: {UntrustedText.ForTerminal(ex.Message)}");
            return ExitCodes.RuntimeError;
        }
        clock.Stop();

        var error = context.Error;
        error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"simulated {options.Devices} devices x {options.Days} day(s) from {options.Start:yyyy-MM-dd'T'HH:mm:ss'Z'}, seed {options.Seed}, format {options.Format.ToString().ToLowerInvariant()}: {result.Connections:N0} connections in {clock.Elapsed.TotalSeconds:0.00} s"));
        foreach (var file in result.Files)
            error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {UntrustedText.ForTerminal(file.Path)}: {file.Rows:N0} rows, {file.Bytes:N0} bytes"));
        error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"labels: {result.Labels.Count:N0} channels, {result.ImplantChannels} of them implants"));
        return ExitCodes.Ok;
    }

    /// <summary>Why the output directory cannot take the files, or null: checked before any work, so a typo costs nothing.</summary>
    private static string? WriteProblem(string directory)
    {
        if (File.Exists(directory))
            return $"--out '{directory}' is a file, not a directory";
        try
        {
            Directory.CreateDirectory(directory);
            var probe = Path.Combine(directory, $".cadence-write-test-{Environment.ProcessId}");
            using (File.Create(probe, 1, FileOptions.DeleteOnClose))
            {
            }
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return $"--out '{directory}' is not a writable directory: {ex.Message}";
        }
    }
}
