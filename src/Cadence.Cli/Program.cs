using System.CommandLine;
using System.CommandLine.Help;
using Cadence.Cli.Verbs;

namespace Cadence.Cli;

/// <summary>Wires the verbs together; each verb lives in its own class under Verbs/.</summary>
internal static class Program
{
    private static int Main(string[] args) => Run(args, CliContext.FromProcess());

    internal static int Run(string[] args, CliContext context)
    {
        var root = new RootCommand(
            """
            Cadence finds command-and-control beaconing hidden in web traffic (MITRE ATT&CK T1071.001)
            in exported telemetry, offline.

            Examples:
              cadence hunt samples/defender/DeviceNetworkEvents.csv
              cadence hunt /opt/zeek/logs/ --window 7d --min-severity medium --format json
              cadence hunt exports/ --rule seed --format csv --output beacons.csv
              cadence config validate tuning.yaml
              cadence simulate --devices 150 --days 1 --seed 1 --format defender --out fleet/
              cadence evaluate --labels fleet/labels.csv fleet/
            """);
        root.Subcommands.Add(HuntVerb.Create(context));
        root.Subcommands.Add(SourcesVerb.Create(context));
        root.Subcommands.Add(EvaluateVerb.Create(context));
        root.Subcommands.Add(SimulateVerb.Create(context));
        root.Subcommands.Add(ConfigVerb.Create(context));

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0 && parsed.Action is not HelpAction)
        {
            foreach (var error in parsed.Errors)
                context.Error.WriteLine($"cadence: {error.Message}");
            context.Error.WriteLine("Run 'cadence --help' or 'cadence hunt --help' for usage.");
            return ExitCodes.UsageError;
        }
        return parsed.Invoke(new InvocationConfiguration { Output = context.Out, Error = context.Error, EnableDefaultExceptionHandler = false });
    }
}
