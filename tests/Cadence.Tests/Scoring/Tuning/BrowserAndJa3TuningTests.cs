using Cadence.Analytics;
using Cadence.Analytics.Tls;
using Cadence.Analytics.UserAgents;
using Cadence.Scoring;
using Cadence.Scoring.Tuning;

namespace Cadence.Tests.Scoring.Tuning;

/// <summary>The <c>browsers</c> and <c>ja3</c> sections: the defaults the analytics had as code, and a user's file changing what they decide.</summary>
public sealed class BrowserAndJa3TuningTests
{
    private const string Chrome131 = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    private const string SafariOnly = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";
    private const string KioskApp = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 KioskShell/3.1 Safari/537.36";
    private const string Other = "0123456789abcdef0123456789abcdef";

    private static IReadOnlyList<TuningError> Errors(string yaml) =>
        Assert.Throws<TuningException>(() => TuningFile.Parse(yaml, "user.yaml")).Errors;

    [Fact]
    public void The_defaults_are_the_lists_and_numbers_the_analytics_had_as_code()
    {
        var browsers = TuningFile.Default.Browsers;
        Assert.Equal(29, browsers.Processes.Count);
        foreach (var name in new[] { "chrome.exe", "msedge.exe", "firefox.exe", "iexplore.exe", "msedgewebview2.exe", "Google Chrome Helper", "com.apple.WebKit.Networking", "safari", "firefox-esr" })
            Assert.Contains(name, browsers.Processes);
        Assert.Equal(["Chrome/", "Edg/", "Firefox/", "Safari/"], browsers.UserAgentTokens);
        Assert.Equal(["Electron/", "CEF/", "WebView2", "wv)"], browsers.EmbeddedEngineTokens);

        var ja3 = TuningFile.Default.Ja3;
        Assert.Equal(
            ["chrome.exe", "msedge.exe", "firefox.exe", "brave.exe", "opera.exe", "vivaldi.exe", "msedgewebview2.exe", "chrome", "chromium",
                "firefox", "msedge", "brave", "opera", "vivaldi", "Google Chrome", "Google Chrome Helper", "Microsoft Edge"],
            ja3.RandomizingProcesses);
        Assert.Equal(4, ja3.RandomizingFingerprints);
        Assert.Equal(3, ja3.StableHandshakes);
        Assert.Equal(3, ja3.BrowserStackLower);
        // Internet Explorer and Safari send browser user agents of their own but keep one JA3.
        Assert.True(browsers.IsBrowserProcess("iexplore.exe"));
        Assert.False(ja3.IsRandomizingProcess("iexplore.exe"));
        Assert.True(ja3.IsRandomizingProcess(@"C:\Program Files\Google\Chrome\Application\CHROME.EXE"));
    }

    [Theory]
    [InlineData("chrome.exe", Chrome131, false)]
    [InlineData("FIREFOX.EXE", Chrome131, false)]
    [InlineData("/usr/bin/firefox", Chrome131, false)]
    [InlineData("svc.exe", Chrome131, true)]
    [InlineData("svc.exe", SafariOnly, true)]
    [InlineData("svc.exe", "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/120.0 Electron/28.2.1 Safari/537.36", false)]
    [InlineData("svc.exe", "Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko", false)]
    [InlineData("svc.exe", "curl/8.4.0", false)]
    public void The_default_file_decides_as_the_code_did(string process, string agent, bool mismatch)
    {
        var browsers = TuningFile.Default.Browsers;
        Assert.Equal(mismatch, !browsers.IsBrowserProcess(process) && browsers.IsBrowserUserAgent(agent));
    }

    private static UserAgentAssessment? Assess(TuningFile tuning, string process, string agent) =>
        UserAgentScorer.Assess(new UserAgentObservation(process, new Dictionary<string, int> { [agent] = 10 }, 10, 0, MissingIsMeaningful: true),
            KnownUserAgents.With([]), tuning.Browsers, _ => false);

    [Fact]
    public void A_custom_browser_process_is_no_longer_a_browser_user_agent_from_a_non_browser()
    {
        var mine = TuningFile.Parse("browsers:\n  processes: [chrome.exe, KioskBrowser.exe]\n", "user.yaml");

        var before = Assess(TuningFile.Default, @"C:\Kiosk\KioskBrowser.exe", Chrome131);
        Assert.Equal(Severity.Low, before!.Severity);
        Assert.Contains(UserAgentSignal.BrowserFromNonBrowser, before.Signals);
        Assert.Null(Assess(mine, @"C:\Kiosk\KioskBrowser.exe", Chrome131));
        // The list replaces the default whole: a browser left out of it is now a non-browser.
        Assert.Equal(Severity.Low, Assess(mine, "firefox.exe", Chrome131)!.Severity);
    }

    [Fact]
    public void Custom_tokens_change_which_user_agents_claim_a_browser()
    {
        var mine = TuningFile.Parse("browsers:\n  user_agent_tokens: [Chrome/, Firefox/]\n  embedded_engine_tokens: [Electron/, KioskShell/]\n", "user.yaml");

        Assert.NotNull(Assess(TuningFile.Default, "svc.exe", SafariOnly));
        Assert.Null(Assess(mine, "svc.exe", SafariOnly));
        Assert.NotNull(Assess(TuningFile.Default, "kiosk.exe", KioskApp));
        Assert.Null(Assess(mine, "kiosk.exe", KioskApp));
    }

    private static Ja3Evidence Evidence(string process = "svc.exe", int processFingerprints = 1, long handshakes = 10, TuningFile? tuning = null) =>
        new(null, Other, DestinationRarity.Rare, new Prevalence(1, 150), process, (tuning ?? TuningFile.Default).Ja3.IsRandomizingProcess(process),
            processFingerprints, 1, handshakes);

    [Fact]
    public void A_randomizing_threshold_of_two_changes_a_ja3_verdict()
    {
        var mine = TuningFile.Parse("ja3:\n  randomizing_fingerprints: 2\n", "user.yaml");

        Assert.Equal(Severity.Low, Ja3Analytic.Assess(Evidence(processFingerprints: 2), TuningFile.Default.Ja3).Severity);
        var tuned = Ja3Analytic.Assess(Evidence(processFingerprints: 2), mine.Ja3);
        Assert.Null(tuned.Severity);
        // Known bad or not, a finding would say why rarity was not used; here there is none at all.
        Assert.Empty(tuned.Reasons);
    }

    [Fact]
    public void Stable_handshakes_and_randomizing_processes_change_ja3_verdicts()
    {
        var steadier = TuningFile.Parse("ja3:\n  stable_handshakes: 12\n", "user.yaml");
        Assert.Equal(Severity.Low, Ja3Analytic.Assess(Evidence(handshakes: 10), TuningFile.Default.Ja3).Severity);
        Assert.Null(Ja3Analytic.Assess(Evidence(handshakes: 10), steadier.Ja3).Severity);

        var mine = TuningFile.Parse("ja3:\n  randomizing_processes: [svc.exe]\n", "user.yaml");
        Assert.Null(Ja3Analytic.Assess(Evidence(tuning: mine), mine.Ja3).Severity);
        // chrome.exe is no longer listed: its steady, unique JA3 now counts.
        Assert.Equal(Severity.Low, Ja3Analytic.Assess(Evidence("chrome.exe", tuning: mine), mine.Ja3).Severity);
    }

    [Fact]
    public void Bad_values_are_reported_at_once_with_their_line_and_column()
    {
        var errors = Errors("""
            browsers:
              processes: ['C:\Kiosk\kiosk.exe', kiosk.exe, KIOSK.EXE]
              user_agent_tokens: [ab, Chrome/]
              embedded_engine_tokens:
            ja3:
              randomizing_fingerprints: 1
              stable_handshakes: "3"
              randomizing_process: []
              browser_stack_lower: 5
            """);

        Assert.Equal(
            [
                (2, 15, "browsers.processes[0]", "'C:\\Kiosk\\kiosk.exe' is a path: write the file name only"),
                (2, 48, "browsers.processes[2]", "'KIOSK.EXE' is listed twice (first at line 2)"),
                (3, 23, "browsers.user_agent_tokens[0]", "'ab' is too short"),
                (4, 26, "browsers.embedded_engine_tokens", "expected a list, got nothing (write [] for an empty list)"),
                (6, 29, "ja3.randomizing_fingerprints", "1 is out of range: expected 2 to 1000"),
                (7, 22, "ja3.stable_handshakes", "expected a whole number from 2 to 1000"),
                (8, 3, "ja3.randomizing_process", "unknown key 'randomizing_process' (did you mean 'randomizing_processes'?)"),
                (9, 24, "ja3.browser_stack_lower", "5 is out of range: expected 0 to 4"),
            ],
            errors.Select(e => (e.Line, e.Column, e.Path, Prefix(e.Message))).ToList());

        string Prefix(string message) =>
            new[]
            {
                "'C:\\Kiosk\\kiosk.exe' is a path: write the file name only", "'KIOSK.EXE' is listed twice (first at line 2)", "'ab' is too short",
                "expected a list, got nothing (write [] for an empty list)", "1 is out of range: expected 2 to 1000", "expected a whole number from 2 to 1000",
                "unknown key 'randomizing_process' (did you mean 'randomizing_processes'?)", "5 is out of range: expected 0 to 4",
            }.FirstOrDefault(p => message.StartsWith(p, StringComparison.Ordinal)) ?? message;
    }

    [Fact]
    public void Empty_lists_are_allowed_and_written_back()
    {
        var mine = TuningFile.Parse("browsers:\n  embedded_engine_tokens: []\nja3:\n  randomizing_processes: []\n", "user.yaml");

        Assert.Empty(mine.Browsers.EmbeddedEngineTokens);
        Assert.Empty(mine.Ja3.RandomizingProcesses);
        Assert.Equal(mine, TuningFile.Parse(mine.ToYaml(), "written.yaml"));
        Assert.Equal(TuningFile.Default, TuningFile.Parse(TuningFile.Default.ToYaml(), "written.yaml"));
    }
}
