using System.Globalization;
using Cadence.Analytics;
using Cadence.Analytics.Seed;
using Cadence.Channels;
using Cadence.Reporting.Findings;
using Cadence.Scoring;
using Cadence.Reporting;
using Cadence.Sources;
using Cadence.Telemetry;

namespace Cadence.Cli.Verbs;

/// <summary>The account printed on stderr after a hunt: what was read, what was skipped or rejected and why, what came out.</summary>
internal static class RunSummary
{
    public static void Write(TextWriter error, SeedHuntResult result)
    {
        var log = result.Log;
        var asOf = result.AsOfTicks is { } t
            ? IsoTimestamp.Format(t) + (result.AsOfFromData ? " (latest event read)" : string.Empty)
            : "none (no events read)";
        error.WriteLine($"cadence: as-of {asOf}, window {DurationText.Format(result.Window)}");
        WriteIngest(error, log);
        foreach (var (input, missing) in result.InputsLackingFields)
            error.WriteLine($"cadence: seed rule: {UntrustedText.ForTerminal(input.DisplayName)} lacks {SourcesVerb.FieldList(missing)}: none of its events can match");
        var f = result.Filtered;
        error.WriteLine(
            $"cadence: seed rule: {Count(f.Admitted)} events in scope; filtered out: {Count(f.PortNotWeb)} port not 80/443/8080/8443, " +
            $"{Count(f.RemoteIPTypeNotPublic)} RemoteIPType not Public, {Count(f.ActionTypeNotConnectionSuccess)} ActionType not ConnectionSuccess, " +
            $"{Count(f.OutsideWindow)} outside the window");
        error.WriteLine($"cadence: {Count(result.Groups)} groups, {Count(result.Rows.Count)} rows out, {result.Elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s");
        if (!result.BytesKnown && log.Inputs.Count > 0)
            error.WriteLine("cadence: note: the input has no SentBytes/ReceivedBytes columns (DeviceNetworkEvents has none), so BytesSent, BytesReceived and SentRecvRatio are empty");
    }

    /// <summary>The account of a hunt with Cadence's analytics.</summary>
    public static void Write(TextWriter error, HuntResult result, Severity minSeverity, int shown)
    {
        var log = result.Log;
        var set = result.Channels;
        var asOf = log.EventsRead > 0
            ? IsoTimestamp.Format(set.AsOfTicks) + (result.AsOfFromData ? " (latest event read)" : string.Empty)
            : "none (no events read)";
        error.WriteLine($"cadence: as-of {asOf}, window {DurationText.Format(TimeSpan.FromTicks(set.WindowTicks))}");
        WriteIngest(error, log);
        error.WriteLine(
            $"cadence: channels: {Count(set.EventsWith(ChannelRole.Connection))} outbound web connections, {Count(set.EventsWith(ChannelRole.Failed))} failed attempts, " +
            $"{Count(set.EventsWith(ChannelRole.Inspection))} inspection records; set aside: {Count(set.EventsWith(ChannelRole.InternalDestination))} to internal addresses, " +
            $"{Count(set.EventsWith(ChannelRole.NotWeb))} not web, {Count(set.EventsWith(ChannelRole.NotOutbound))} inbound or listening, {Count(set.OutsideWindow)} outside the window");
        error.WriteLine($"cadence: {Count(set.Channels.Count)} channels from {Count(set.Devices.Count)} devices");
        foreach (var skipped in result.Skipped)
            error.WriteLine($"cadence: {skipped.Analytic}: {UntrustedText.ForTerminal(skipped.Reason)}");
        var bySeverity = string.Join(", ", Enum.GetValues<Severity>().Reverse()
            .Select(s => (s, n: result.Findings.Count(f => f.Severity == s))).Where(t => t.n > 0)
            .Select(t => $"{Count(t.n)} {FindingWriter.SeverityName(t.s)}"));
        error.WriteLine($"cadence: {Count(result.Findings.Count)} findings ({(bySeverity.Length == 0 ? "none" : bySeverity)}); {Count(shown)} at {FindingWriter.SeverityName(minSeverity)} or above written; {result.Elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s");
        var unbuilt = result.UnbuiltBySeverity.Sum();
        if (unbuilt > 0)
            error.WriteLine($"cadence: {Count(unbuilt)} more scored info, which the fleet policy never raises (no known-bad indicator among them): counted, not built, not checked against the allowlist (--min-severity info builds and lists them)");
        if (result.Suppressed.Count > 0)
        {
            var byEntry = result.Suppressed.GroupBy(f => f.SuppressedBy!).OrderByDescending(g => g.Count())
                .Select(g => $"{Count(g.Count())} by {UntrustedText.ForTerminal(g.Key)}");
            error.WriteLine($"cadence: {Count(result.Suppressed.Count)} findings suppressed by the allowlist ({string.Join(", ", byEntry)}); --show-suppressed lists them");
        }
    }

    private static void WriteIngest(TextWriter error, IngestLog log)
    {
        error.WriteLine($"cadence: {Count(log.Inputs.Count)} input(s), {Count(log.EventsRead)} events read, {Count(log.RowsSkipped)} rows skipped, {Count(log.RowsRejected)} rows rejected");
        if (log.Inputs.Select(i => i.Format).Distinct().Count() > 1)
        {
            foreach (var source in log.Inputs.GroupBy(i => i.Format))
            {
                var skipped = source.Sum(i => i.RowsSkipped);
                var rejected = source.Sum(i => i.RowsRejected);
                error.WriteLine($"  {UntrustedText.ForTerminal(source.Key)}: {Count(source.Count())} file(s), {Count(source.Sum(i => i.EventsRead))} events, {Count(skipped)} skipped, {Count(rejected)} rejected");
            }
        }
        foreach (var input in log.Inputs)
        {
            error.WriteLine($"  {UntrustedText.ForTerminal(input.Input.DisplayName)} ({UntrustedText.ForTerminal(input.Format)}): {Count(input.EventsRead)} events");
            foreach (var (note, count) in input.Notes)
                error.WriteLine($"    {Count(count)} {UntrustedText.ForTerminal(note)}");
            foreach (var (reason, count) in input.SkippedByReason.OrderByDescending(kv => kv.Value))
                error.WriteLine($"    skipped {Count(count)}: {UntrustedText.ForTerminal(reason)}");
            foreach (var (reason, count) in input.RejectedByReason.OrderByDescending(kv => kv.Value))
                error.WriteLine($"    rejected {Count(count)}: {UntrustedText.ForTerminal(reason)}");
        }
        foreach (var warning in log.Warnings)
            error.WriteLine($"cadence: warning: {UntrustedText.ForTerminal(warning)}");
        var problems = log.Examples.Where(p => p.Disposition == RowDisposition.Rejected).ToList();
        if (problems.Count > 0)
        {
            error.WriteLine($"cadence: first rejected rows ({log.ExamplesPerReason} per reason per input; --strict stops at the first):");
            foreach (var problem in problems)
                error.WriteLine($"  {UntrustedText.ForTerminal(problem.ToString())}");
        }
    }

    private static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
