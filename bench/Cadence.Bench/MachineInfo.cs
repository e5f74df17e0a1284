using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Cadence.Bench;

/// <summary>The machine and versions behind a result table: a number means nothing without them.</summary>
internal static class MachineInfo
{
    public static string Describe(Runner.Settings settings)
    {
        string duckVersion, duckThreads;
        using (var connection = DuckDbWorker.Open(settings.Threads))
        {
            duckVersion = Convert.ToString(DuckDbWorker.Scalar(connection, "SELECT version()"), CultureInfo.InvariantCulture) ?? "?";
            duckThreads = Convert.ToString(DuckDbWorker.Scalar(connection, "SELECT current_setting('threads')"), CultureInfo.InvariantCulture) ?? "?";
        }
        var duckPackage = typeof(DuckDB.NET.Data.DuckDBConnection).Assembly.GetName().Version;

        var md = new StringBuilder();
        // Headings start at level 3 so the output pastes under "## Results" in bench/README.md.
        md.AppendLine("### Machine");
        md.AppendLine();
        md.AppendLine("| | |");
        md.AppendLine("|---|---|");
        md.AppendLine(CultureInfo.InvariantCulture, $"| CPU | {CpuModel()} ({Environment.ProcessorCount} logical CPUs) |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| RAM | {MemoryGiB()} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| OS | {OsName()}, kernel {Kernel()} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| .NET | {RuntimeInformation.FrameworkDescription} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| DuckDB | {duckVersion} via DuckDB.NET {duckPackage}, {duckThreads} threads |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| Cadence | {Path.GetRelativePath(Environment.CurrentDirectory, settings.Cadence)}{GitRevision()} |");
        md.AppendLine(CultureInfo.InvariantCulture,
            $"| Method | median of {settings.Runs} runs after {settings.Warmup} warm-up, rounds interleaved; each tool a child process; CPU and peak RSS from getrusage(RUSAGE_CHILDREN) |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| Date | {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC |");
        md.AppendLine();
        return md.ToString();
    }

    private static string CpuModel() =>
        ReadField("/proc/cpuinfo", "model name", ':') ?? RuntimeInformation.ProcessArchitecture.ToString();

    private static string MemoryGiB()
    {
        var total = ReadField("/proc/meminfo", "MemTotal", ':');
        if (total is null || !long.TryParse(total.Split(' ')[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var kib))
            return "?";
        return string.Create(CultureInfo.InvariantCulture, $"{kib / 1048576.0:F1} GiB");
    }

    private static string OsName() => ReadField("/etc/os-release", "PRETTY_NAME", '=')?.Trim('"') ?? "?";

    private static string Kernel() =>
        File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : RuntimeInformation.OSDescription;

    private static string? ReadField(string path, string key, char separator)
    {
        if (!File.Exists(path))
            return null;
        foreach (var line in File.ReadLines(path))
        {
            var at = line.IndexOf(separator, StringComparison.Ordinal);
            if (at > 0 && line[..at].Trim() == key)
                return line[(at + 1)..].Trim();
        }
        return null;
    }

    /// <summary>The commit the working tree is on, so a committed table names the code it measured.</summary>
    private static string GitRevision()
    {
        try
        {
            var start = new ProcessStartInfo("git", "describe --always --dirty")
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var git = Process.Start(start);
            if (git is null)
                return "";
            var revision = git.StandardOutput.ReadToEnd().Trim();
            git.StandardError.ReadToEnd();
            git.WaitForExit();
            return git.ExitCode == 0 && revision.Length > 0 ? $" (git {revision})" : "";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No git on this machine: the table simply goes without a revision.
            return "";
        }
    }
}
