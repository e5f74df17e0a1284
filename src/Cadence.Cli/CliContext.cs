using Spectre.Console;

namespace Cadence.Cli;

/// <summary>
/// Where a verb writes: data to <see cref="Out"/>, status and progress to <see cref="Error"/>.
/// Passed in, never global, so tests capture both.
/// </summary>
internal sealed class CliContext(TextWriter output, TextWriter error, bool errorIsTerminal, bool outputIsTerminal)
{
    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    /// <summary>Progress displays only make sense on a terminal; in a pipe or a log they are noise.</summary>
    public bool ErrorIsTerminal { get; } = errorIsTerminal;

    public bool OutputIsTerminal { get; } = outputIsTerminal;

    private const int UnboundedWidth = 4096;

    /// <summary>https://no-color.org: any non-empty NO_COLOR turns colour off.</summary>
    public bool NoColor { get; init; } = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));

    public static CliContext FromProcess() =>
        new(Console.Out, Console.Error, !Console.IsErrorRedirected, !Console.IsOutputRedirected);

    /// <summary>A Spectre console over <paramref name="writer"/>, coloured only on a terminal without NO_COLOR.</summary>
    public IAnsiConsole ConsoleFor(TextWriter writer, bool isTerminal)
    {
        var colour = isTerminal && !NoColor;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = colour ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = colour ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = isTerminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        // Redirected, Spectre assumes 80 columns and wraps every cell; a file or a pager wants
        // whole values on one line. Tables only take the width their content needs.
        if (!isTerminal)
            console.Profile.Width = UnboundedWidth;
        return console;
    }
}
