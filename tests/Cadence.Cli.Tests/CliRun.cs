using System.Diagnostics;

namespace Cadence.Cli.Tests;

/// <summary>Runs the CLI in-process with captured, colourless output.</summary>
internal sealed record CliRun(int ExitCode, string Out, string Error)
{
    public static string TestData(string name) => Path.Combine(AppContext.BaseDirectory, "TestData", name);

    public static CliRun Invoke(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var context = new CliContext(output, error, errorIsTerminal: false, outputIsTerminal: false) { NoColor = true };
        var exit = Program.Run(args, context);
        return new CliRun(exit, output.ToString().ReplaceLineEndings("\n"), error.ToString().ReplaceLineEndings("\n"));
    }

    /// <summary>Runs the built cadence.dll as a child process, for what only a real process has (standard input).</summary>
    public static CliRun Spawn(string stdinFile, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "cadence.dll"));
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        start.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using (var input = File.OpenRead(stdinFile))
            input.CopyTo(process.StandardInput.BaseStream);
        process.StandardInput.Close();
        process.WaitForExit();
        return new CliRun(process.ExitCode, stdout.Result.ReplaceLineEndings("\n"), stderr.Result.ReplaceLineEndings("\n"));
    }
}
