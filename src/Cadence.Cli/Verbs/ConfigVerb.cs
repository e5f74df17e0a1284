using System.CommandLine;
using Cadence.Reporting;
using Cadence.Scoring.Tuning;

namespace Cadence.Cli.Verbs;

/// <summary><c>cadence config validate FILE</c> and <c>cadence config show [--config FILE]</c>: the tuning file.</summary>
internal static class ConfigVerb
{
    public static Command Create(CliContext context)
    {
        var command = new Command("config",
            """
            Check and show the tuning file: score thresholds, prevalence rules, known-bad indicators,
            suspicious processes and the allowlist. A file of yours overrides the embedded default key by key
            (a list replaces the default list). See docs/tuning.md.

            Examples:
              cadence config validate my-tuning.yaml
              cadence config show
              cadence config show --config my-tuning.yaml
            """)
        {
            ValidateCommand(context),
            ShowCommand(context),
        };
        return command;
    }

    private static Command ValidateCommand(CliContext context)
    {
        var file = new Argument<string>("FILE") { Description = "The tuning file to check, as it would be merged over the embedded default." };
        var command = new Command("validate",
            """
            Check a tuning file and report every error at once, each as FILE:LINE:COLUMN: KEY: MESSAGE.
            Exit 0 when it is valid, 2 when it is not (or cannot be read).

            Examples:
              cadence config validate my-tuning.yaml
            """)
        {
            file,
        };
        command.SetAction(parseResult =>
        {
            var path = parseResult.GetValue(file)!;
            var errors = TuningFile.Validate(path);
            if (errors.Count == 0)
            {
                context.Out.WriteLine($"{UntrustedText.ForTerminal(path)}: valid");
                return ExitCodes.Ok;
            }
            WriteErrors(context, path, errors);
            return ExitCodes.UsageError;
        });
        return command;
    }

    private static Command ShowCommand(CliContext context)
    {
        var config = new Option<string?>("--config") { Description = "A tuning file to merge over the embedded default. Default: the embedded default alone." };
        var command = new Command("show",
            """
            Print the effective configuration as commented YAML: the embedded default, overridden by --config.
            The output is itself a valid tuning file, a starting point for your own.

            Examples:
              cadence config show > my-tuning.yaml
              cadence config show --config my-tuning.yaml
            """)
        {
            config,
        };
        command.SetAction(parseResult =>
        {
            var path = parseResult.GetValue(config);
            TuningFile tuning;
            try
            {
                tuning = path is null ? TuningFile.Default : TuningFile.Load(path);
            }
            catch (TuningException ex)
            {
                WriteErrors(context, path!, ex.Errors);
                return ExitCodes.UsageError;
            }
            context.Out.WriteLine(path is null
                ? "# Effective configuration: the embedded default."
                : $"# Effective configuration: the embedded default overridden by {UntrustedText.ForTerminal(path)}.");
            context.Out.Write(tuning.ToYaml());
            context.Out.Flush();
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void WriteErrors(CliContext context, string path, IReadOnlyList<TuningError> errors)
    {
        // The file is the user's, but may be someone else's: its text reaches the terminal escaped.
        foreach (var error in errors)
            context.Error.WriteLine(UntrustedText.ForTerminal(error.ToString()));
        context.Error.WriteLine($"cadence: {UntrustedText.ForTerminal(path)} is not a valid tuning file");
    }
}
