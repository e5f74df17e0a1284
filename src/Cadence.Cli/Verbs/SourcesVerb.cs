using System.CommandLine;
using Cadence.Sources;
using Cadence.Telemetry;
using Spectre.Console;

namespace Cadence.Cli.Verbs;

/// <summary><c>cadence sources</c>: the formats Cadence reads and the normalized fields each can provide.</summary>
internal static class SourcesVerb
{
    public static Command Create(CliContext context)
    {
        var command = new Command("sources",
            """
            List the telemetry formats Cadence reads (detected from content) and the normalized fields each provides.
            A field a source lacks is absent from its events, never invented. See docs/sources.md for the mapping.

            Examples:
              cadence sources
            """);
        command.SetAction(_ =>
        {
            var console = context.ConsoleFor(context.Out, context.OutputIsTerminal);
            var table = new Table().Border(TableBorder.Rounded).AddColumn("Format").AddColumn("Fields it can provide");
            foreach (var format in TelemetryReader.DefaultFormats)
                table.AddRow(new Text(format.Name), new Text(FieldList(format.MayProvide)));
            console.Write(table);
            console.WriteLine();
            return ExitCodes.Ok;
        });
        return command;
    }

    internal static string FieldList(TelemetryFields fields) =>
        string.Join(", ", Enum.GetValues<TelemetryFields>().Where(f => f != TelemetryFields.None && fields.HasFlag(f)));
}
