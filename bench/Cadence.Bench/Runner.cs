using System.Diagnostics;
using System.Globalization;
using System.Text;
using nietras.SeparatedValues;

namespace Cadence.Bench;

/// <summary>
/// The <c>run</c> verb: times Cadence, the same rule in DuckDB, and <c>cat</c> over each file, in
/// the same run, and prints Markdown tables with the machine that made them.
/// </summary>
/// <remarks>
/// All three run as child processes measured by the <c>measure</c> shim, so wall time, CPU time
/// and peak RSS mean the same thing for each. Rounds are interleaved (cat, DuckDB, Cadence, then
/// again) so that drift on a noisy machine hits all three alike; medians are reported because a
/// single stalled run should not move the result.
/// </remarks>
internal static class Runner
{
    public const string Usage = "run --cadence PATH [--runs 5] [--warmup 1] [--as-of ISO] [--threads N] FILE... (Defender CSV exports or Zeek conn.logs, told apart by content)";

    public static int Run(Arguments args, TextWriter stdout, TextWriter stderr)
    {
        var cadence = Path.GetFullPath(args.RequiredText("cadence"));
        var runs = (int)args.Integer("runs", 5, 1, 1000);
        var warmup = (int)args.Integer("warmup", 1, 0, 100);
        var asOfText = args.Text("as-of");
        long? asOf = asOfText is null ? null : IsoTime.ParseTicks(asOfText);
        int? threads = args.Text("threads") is null ? null : (int)args.Integer("threads", 0, 1, 4096);
        args.RejectUnknown();
        if (args.Positionals.Count == 0)
            throw new UsageException("run needs at least one file (a Defender CSV export or a Zeek conn.log)");
        if (!File.Exists(cadence))
            throw new UsageException($"cadence not found at {cadence} (build it: dotnet build src/Cadence.Cli -c Release)");
        foreach (var file in args.Positionals.Where(f => !File.Exists(f)))
            throw new UsageException($"no such file: {file}");

        // Progress only for a person watching; stdout stays pure Markdown.
        var progress = Console.IsErrorRedirected ? TextWriter.Null : stderr;
        var settings = new Settings(cadence, runs, warmup, threads, progress, stderr);

        stdout.Write(MachineInfo.Describe(settings));
        stdout.Flush();

        var summaries = new List<FileSummary>();
        foreach (var file in args.Positionals)
        {
            var summary = BenchFile(file, asOf, settings);
            summaries.Add(summary);
            stdout.Write(summary.Markdown);
            stdout.Flush();
        }
        // Scaling compares files of one generator only: a conn.log is a different fleet.
        foreach (var kind in summaries.GroupBy(s => s.Zeek).Where(g => g.Count() > 1))
            stdout.Write(ScalingTable([.. kind]));
        return 0;
    }

    private static FileSummary BenchFile(string file, long? asOfOverride, Settings settings)
    {
        var name = Path.GetFileName(file);
        var zeek = ZeekRuleSql.IsZeek(file);
        settings.Progress.WriteLine($"{name}: scanning for row count and latest {(zeek ? "ts" : "Timestamp")}");
        var (rows, latest) = zeek ? ZeekRuleSql.Scan(file) : Scan(file);
        var asOf = asOfOverride ?? latest;
        var asOfText = IsoTime.Format(asOf);
        var bytes = new FileInfo(file).Length;

        var targets = new Target[]
        {
            new("cat > /dev/null (floor)", "/bin/sh", ["-c", "cat \"$1\" > /dev/null", "sh", file]),
            new("DuckDB SQL", Self.Program, [.. Self.Prefix, "duckdb-worker", file, asOfText, "--output", "/dev/null", .. ThreadArgs(settings)]),
            new("cadence hunt", settings.CadenceProgram, [.. settings.CadencePrefix, "hunt", file, "--rule", "seed", "--format", "csv", "--as-of", asOfText, "--output", "/dev/null"]),
            // Every Cadence analytic (beacon, user agents, TLS, sessions, processes, fleet policy) on
            // the same file: what an analyst runs by default, against the same DuckDB seed SQL.
            new("cadence hunt, all analytics", settings.CadenceProgram, [.. settings.CadencePrefix, "hunt", file, "--format", "csv", "--as-of", asOfText, "--output", "/dev/null"]),
        };
        var (cat, duck, cadence, allAnalytics) = (targets[0], targets[1], targets[2], targets[3]);

        settings.Progress.WriteLine($"{name}: cross-checking Cadence against DuckDB");
        var check = CrossCheck(file, asOfText, settings);
        if (!check.Agree)
            settings.Warnings.WriteLine($"warning: {name}: {check.Text}");

        settings.Progress.WriteLine($"{name}: counting groups");
        long groups, keys;
        using (var connection = DuckDbWorker.Open(settings.Threads))
        {
            groups = Convert.ToInt64(DuckDbWorker.Scalar(connection, zeek ? ZeekRuleSql.GroupCount(file, asOf) : BeaconRuleSql.GroupCount(file, asOf)), CultureInfo.InvariantCulture);
            keys = Convert.ToInt64(DuckDbWorker.Scalar(connection, zeek ? ZeekRuleSql.KeyCount(file) : BeaconRuleSql.KeyCount(file)), CultureInfo.InvariantCulture);
        }

        var samples = targets.ToDictionary(t => t, _ => new List<Usage>());
        var rounds = settings.Warmup + settings.Runs;
        for (var round = 0; round < rounds; round++)
        {
            foreach (var target in targets)
            {
                var usage = Measure(target);
                var label = round < settings.Warmup ? "warm-up" : $"run {round - settings.Warmup + 1}/{settings.Runs}";
                settings.Progress.WriteLine(FormattableString.Invariant(
                    $"{name}: {label} {target.Name}: {usage.Wall.TotalSeconds:F3} s wall, {usage.Cpu.TotalSeconds:F3} s CPU, {usage.PeakRssKiB / 1024.0:F0} MiB"));
                if (round >= settings.Warmup)
                    samples[target].Add(usage);
            }
        }

        var stats = targets.ToDictionary(t => t, t => new Stats(samples[t]));
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"### {name}");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"{rows:N0} {(zeek ? "conn.log records" : "rows")}, {bytes / 1048576.0:F1} MiB ({(double)bytes / Math.Max(rows, 1):F0} bytes/row); as-of {asOfText}{(asOfOverride is null ? $" (the latest {(zeek ? "ts" : "Timestamp")})" : "")}, window 24 h.");
        md.AppendLine(CultureInfo.InvariantCulture,
            $"{groups:N0} {(zeek ? "(originator, responder, port)" : "(device, process, IP, port)")} groups pass the rule's filters ({keys:N0} distinct keys in the file); {check.DuckDbRows:N0} result rows.");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Cross-check: {check.Text}");
        md.AppendLine();
        md.AppendLine("| Tool | Wall (median) | Wall (min-max) | CPU user+sys | Peak RSS | Rows/s | MiB/s | Wall vs DuckDB | Wall vs cat | CPU vs DuckDB |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var target in new[] { cadence, allAnalytics, duck, cat })
        {
            var s = stats[target];
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {target.Name} | {s.Wall:F3} s | {s.WallMin:F3}-{s.WallMax:F3} s | {s.Cpu:F3} s | {s.PeakRssText} | {rows / s.Wall / 1e6:F2} M | {bytes / 1048576.0 / s.Wall:F0} | {s.Wall / stats[duck].Wall:F2}x | {s.Wall / stats[cat].Wall:F1}x | {s.Cpu / stats[duck].Cpu:F2}x |");
        }
        if (stats.Values.Any(s => s.AtFloor))
        {
            md.AppendLine();
            md.AppendLine("\\* at or below the peak RSS of the .NET launcher that started it: Linux carries the parent's high-water mark into the child at exec, so only an upper bound is known (`/usr/bin/time` shows about 1-2 MiB for `cat`).");
        }
        md.AppendLine();
        return new FileSummary(name, zeek, rows, groups, check, stats[cadence], stats[duck], md.ToString());
    }

    private static IEnumerable<string> ThreadArgs(Settings settings) =>
        settings.Threads is { } n ? ["--threads", n.ToString(CultureInfo.InvariantCulture)] : [];

    /// <summary>Row count and latest Timestamp, read independently of both tools under test.</summary>
    private static (long Rows, long LatestTicks) Scan(string file)
    {
        using var reader = Sep.New(',').Reader().FromFile(file);
        if (!reader.Header.TryIndexOf("Timestamp", out var column))
            throw new UsageException($"{file} has no Timestamp column");
        long rows = 0, latest = 0;
        foreach (var row in reader)
        {
            rows++;
            if (IsoTime.TryParseTicks(row[column].Span, out var ticks) && ticks > latest)
                latest = ticks;
        }
        if (latest == 0)
            throw new UsageException($"{file} has no parseable Timestamp; pass --as-of");
        return (rows, latest);
    }

    /// <summary>
    /// Runs both tools once with real output files and compares the results as multisets of rows
    /// over the columns both write: a count check, and a content check when the headers allow it.
    /// </summary>
    private static CrossCheckResult CrossCheck(string file, string asOf, Settings settings)
    {
        var cadenceOut = Path.GetTempFileName();
        var duckOut = Path.GetTempFileName();
        try
        {
            RunToCompletion(settings.CadenceProgram, [.. settings.CadencePrefix, "hunt", file, "--rule", "seed", "--format", "csv", "--as-of", asOf, "--output", cadenceOut]);
            RunToCompletion(Self.Program, [.. Self.Prefix, "duckdb-worker", file, asOf, "--output", duckOut, .. ThreadArgs(settings)]);
            var cadence = ReadResult(cadenceOut);
            var duck = ReadResult(duckOut);

            var common = cadence.Header.Intersect(duck.Header, StringComparer.Ordinal).ToArray();
            string Key(string[] row, string[] header) =>
                string.Join('\u001f', common.Select(c => row[Array.IndexOf(header, c)]));
            var cadenceKeys = cadence.Rows.Select(r => Key(r, cadence.Header)).ToList();
            var duckKeys = duck.Rows.Select(r => Key(r, duck.Header)).ToList();
            var onlyCadence = MultisetExcept(cadenceKeys, duckKeys);
            var onlyDuck = MultisetExcept(duckKeys, cadenceKeys);

            var counts = $"Cadence {cadence.Rows.Count:N0} rows, DuckDB {duck.Rows.Count:N0} rows";
            if (cadence.Rows.Count != duck.Rows.Count)
                return new(false, duck.Rows.Count, $"**row counts differ**: {counts}.");
            if (common.Length == 0)
                return new(true, duck.Rows.Count, $"{counts} (match); no common columns to compare content.");
            if (onlyCadence.Count == 0 && onlyDuck.Count == 0)
                return new(true, duck.Rows.Count, $"{counts}, identical on all {common.Length} common columns.");
            var sample = onlyCadence.Take(3).Select(k => "Cadence only: " + k.Replace('\u001f', ','))
                .Concat(onlyDuck.Take(3).Select(k => "DuckDB only: " + k.Replace('\u001f', ',')));
            return new(false, duck.Rows.Count,
                $"{counts} (counts match) but **{onlyCadence.Count} rows differ** on columns {string.Join(',', common)}: {string.Join("; ", sample)}");
        }
        finally
        {
            File.Delete(cadenceOut);
            File.Delete(duckOut);
        }
    }

    private static List<string> MultisetExcept(List<string> left, List<string> right)
    {
        var remaining = right.GroupBy(k => k, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var result = new List<string>();
        foreach (var key in left)
        {
            if (remaining.TryGetValue(key, out var n) && n > 0)
                remaining[key] = n - 1;
            else
                result.Add(key);
        }
        return result;
    }

    private static (string[] Header, List<string[]> Rows) ReadResult(string path)
    {
        using var reader = Sep.New(',').Reader(o => o with { Unescape = true }).FromFile(path);
        var header = reader.Header.ColNames.ToArray();
        var rows = new List<string[]>();
        foreach (var row in reader)
        {
            var values = new string[header.Length];
            for (var i = 0; i < values.Length; i++)
                values[i] = row[i].ToString();
            rows.Add(values);
        }
        return (header, rows);
    }

    private static void RunToCompletion(string program, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in arguments)
            start.ArgumentList.Add(arg);
        using var process = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException(
                $"{program} {string.Join(' ', start.ArgumentList)} exited with {process.ExitCode}:\n{error.Result}{output.Result}");
    }

    /// <summary>One timed run of <paramref name="target"/> under the measure shim.</summary>
    private static Usage Measure(Target target)
    {
        var report = Path.GetTempFileName();
        try
        {
            RunToCompletion(Self.Program, [.. Self.Prefix, "measure", "--report", report, "--", target.Program, .. target.Arguments]);
            var usage = global::Cadence.Bench.Usage.Parse(File.ReadAllText(report));
            return usage.ExitCode == 0 ? usage
                : throw new InvalidOperationException($"{target.Name} exited with {usage.ExitCode}");
        }
        finally
        {
            File.Delete(report);
        }
    }

    private static string ScalingTable(List<FileSummary> summaries)
    {
        var md = new StringBuilder();
        md.AppendLine("### Scaling");
        md.AppendLine();
        md.AppendLine("Same fleet and channels in every file; more rows make the same channels denser, so the group count stays about the same while rows grow.");
        md.AppendLine();
        md.AppendLine("| File | Rows | Groups | Result rows | Cadence wall | DuckDB wall | Cadence peak RSS | DuckDB peak RSS |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var s in summaries)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {s.Name} | {s.Rows:N0} | {s.Groups:N0} | {s.Check.DuckDbRows:N0} | {s.Cadence.Wall:F3} s | {s.DuckDb.Wall:F3} s | {s.Cadence.PeakRssText} | {s.DuckDb.PeakRssText} |");
        }
        md.AppendLine();
        return md.ToString();
    }

    internal sealed record Settings(string Cadence, int Runs, int Warmup, int? Threads, TextWriter Progress, TextWriter Warnings)
    {
        // A framework-dependent build may be given as its .dll rather than its apphost.
        private bool IsDll => Cadence.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);

        public string CadenceProgram => IsDll ? "dotnet" : Cadence;

        public string[] CadencePrefix => IsDll ? [Cadence] : [];
    }

    private sealed record Target(string Name, string Program, string[] Arguments);

    private sealed record CrossCheckResult(bool Agree, int DuckDbRows, string Text);

    private sealed record FileSummary(string Name, bool Zeek, long Rows, long Groups, CrossCheckResult Check, Stats Cadence, Stats DuckDb, string Markdown);

    /// <summary>Medians (seconds, MiB) over the measured runs.</summary>
    private sealed class Stats(List<Usage> samples)
    {
        public double Wall { get; } = Median(samples.Select(u => u.Wall.TotalSeconds));
        public double WallMin { get; } = samples.Min(u => u.Wall.TotalSeconds);
        public double WallMax { get; } = samples.Max(u => u.Wall.TotalSeconds);
        public double Cpu { get; } = Median(samples.Select(u => u.Cpu.TotalSeconds));
        public double PeakRssMiB { get; } = Median(samples.Select(u => u.PeakRssKiB / 1024.0));

        public bool AtFloor { get; } = samples.Any(u => u.PeakRssKiB <= u.LauncherRssKiB);

        public string PeakRssText => AtFloor
            ? string.Create(CultureInfo.InvariantCulture, $"<= {PeakRssMiB:F0} MiB\\*")
            : string.Create(CultureInfo.InvariantCulture, $"{PeakRssMiB:F0} MiB");

        private static double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToArray();
            var mid = sorted.Length / 2;
            return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        }
    }
}

/// <summary>How to start this bench again as a child: the apphost directly, or through dotnet.</summary>
internal static class Self
{
    public static string Program { get; } = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");

    public static string[] Prefix { get; } =
        Path.GetFileNameWithoutExtension(Program).Equals("dotnet", StringComparison.OrdinalIgnoreCase)
            ? [typeof(Self).Assembly.Location]
            : [];
}
