using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Cadence.Bench;

/// <summary>What one child process cost: wall time, CPU time (user + system) and peak resident memory.</summary>
/// <param name="LauncherRssKiB">
/// The measure shim's own peak RSS, at least what it was when it started the child. Linux carries the parent's
/// high-water mark into a vfork'ed child at exec, so ru_maxrss never reads below this: a peak at
/// or under it only says "at most this much".
/// </param>
internal readonly record struct Usage(int ExitCode, TimeSpan Wall, TimeSpan User, TimeSpan System, long PeakRssKiB, long LauncherRssKiB)
{
    public TimeSpan Cpu => User + System;

    public string Serialize() => string.Join(' ',
        ExitCode.ToString(CultureInfo.InvariantCulture), Wall.Ticks.ToString(CultureInfo.InvariantCulture),
        User.Ticks.ToString(CultureInfo.InvariantCulture), System.Ticks.ToString(CultureInfo.InvariantCulture),
        PeakRssKiB.ToString(CultureInfo.InvariantCulture), LauncherRssKiB.ToString(CultureInfo.InvariantCulture));

    public static Usage Parse(string text)
    {
        var parts = text.Trim().Split(' ');
        if (parts.Length != 6)
            throw new FormatException($"not a usage record: '{text}'");
        long At(int i) => long.Parse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture);
        return new Usage((int)At(0), TimeSpan.FromTicks(At(1)), TimeSpan.FromTicks(At(2)), TimeSpan.FromTicks(At(3)), At(4), At(5));
    }
}

/// <summary>
/// The hidden <c>measure</c> verb: runs one command as its only child and reports that child's
/// rusage, like <c>/usr/bin/time</c> but with nothing to install.
/// </summary>
/// <remarks>
/// The runner cannot read a child's rusage itself: .NET reaps its children internally (no wait4
/// to call), and getrusage(RUSAGE_CHILDREN) in a long-lived process gives a high-water mark over
/// every child so far, not the peak memory of the last one. A fresh process whose only child is
/// the measured command makes RUSAGE_CHILDREN exactly that command (and whatever it waited for,
/// such as cat under /bin/sh). The shim's own start-up is outside the timed span.
/// </remarks>
internal static class ResourceUsage
{
    public const string Usage = "measure --report FILE -- PROGRAM [ARGS...]";

    private const int RusageChildren = -1;

    public static int Run(Arguments args)
    {
        var report = args.RequiredText("report");
        args.RejectUnknown();
        if (args.Rest.Count == 0)
            throw new UsageException("measure needs a command after --");
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("measure reads Linux rusage (ru_maxrss in KiB)");

        var start = new ProcessStartInfo(args.Rest[0]) { UseShellExecute = false };
        foreach (var arg in args.Rest.Skip(1))
            start.ArgumentList.Add(arg);

        var clock = Stopwatch.StartNew();
        int exitCode;
        using (var child = System.Diagnostics.Process.Start(start)
            ?? throw new InvalidOperationException($"could not start {args.Rest[0]}"))
        {
            child.WaitForExit();
            exitCode = child.ExitCode;
        }
        clock.Stop();
        // Read after the child is gone: the shim's high-water mark then bounds whatever it had at
        // the moment of the exec (starting a process grows it by a megabyte or so).
        var launcherRss = OwnPeakRssKiB();

        if (getrusage(RusageChildren, out var usage) != 0)
            throw new InvalidOperationException($"getrusage failed: errno {Marshal.GetLastPInvokeError()}");
        var result = new Usage(exitCode, clock.Elapsed, usage.UserTime.ToTimeSpan(), usage.SystemTime.ToTimeSpan(), usage.MaxRss, launcherRss);
        File.WriteAllText(report, result.Serialize());
        return exitCode;
    }

    /// <summary>VmHWM of this process, in KiB.</summary>
    private static long OwnPeakRssKiB()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (!line.StartsWith("VmHWM:", StringComparison.Ordinal))
                continue;
            var digits = line.AsSpan(6).Trim();
            digits = digits[..digits.IndexOf(' ')];
            return long.Parse(digits, NumberStyles.Integer, CultureInfo.InvariantCulture);
        }
        return 0;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int getrusage(int who, out RUsage usage);

    // struct timeval on 64-bit Linux: two longs.
    [StructLayout(LayoutKind.Sequential)]
    private readonly struct TimeVal
    {
        public readonly long Seconds;
        public readonly long Microseconds;

        public TimeSpan ToTimeSpan() => TimeSpan.FromTicks(Seconds * TimeSpan.TicksPerSecond + Microseconds * 10);
    }

    // struct rusage on 64-bit Linux: two timevals then fourteen longs (144 bytes); ru_maxrss is in
    // KiB. Only the leading fields are named; Size reserves the rest.
    [StructLayout(LayoutKind.Sequential, Size = 144)]
    private readonly struct RUsage
    {
        public readonly TimeVal UserTime;
        public readonly TimeVal SystemTime;
        public readonly long MaxRss;
    }
}
