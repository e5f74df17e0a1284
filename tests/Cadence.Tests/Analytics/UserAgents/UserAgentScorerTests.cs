using Cadence.Analytics.UserAgents;
using Cadence.Scoring;
using Cadence.Scoring.Tuning;
using Cadence.Telemetry;

namespace Cadence.Tests.Analytics.UserAgents;

public class UserAgentScorerTests
{
    private const string Chrome131 = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    private const string Empire = "Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko";
    private const string Covenant = "Mozilla/5.0 (Windows NT 6.1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/41.0.2228.0 Safari/537.36";
    private const string Teams = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Electron/28.2.1 Safari/537.36";

    private static readonly KnownUserAgents Known = KnownUserAgents.With(["MyRAT/"]);

    private static UserAgentAssessment? Assess(string process, string? agent, bool rare = false, long missing = 0, bool missingMeaningful = true)
    {
        var agents = agent is null ? new Dictionary<string, int>() : new Dictionary<string, int> { [agent] = 5 };
        var observation = new UserAgentObservation(process, agents, agents.Values.Sum() + missing, missing, missingMeaningful);
        return UserAgentScorer.Assess(observation, Known, TuningFile.Default.Browsers, _ => rare);
    }

    // One row per signal and per combination the rules name (docs/analytics.md, "User agents").
    public static TheoryData<string, string?, bool, long, Severity?, UserAgentSignal[]> Cases => new()
    {
        // Known bad, worth a finding alone: the Atomic Red Team strings and the user's own.
        { "msupd.exe", "HttpBrowser/1.0", false, 0, Severity.High, [UserAgentSignal.KnownBad] },
        { "", "httpbrowser/1.0", false, 0, Severity.High, [UserAgentSignal.KnownBad] },
        { "curl.exe", "Opera/8.81 (Windows NT 6.0; U; en)", false, 0, Severity.High, [UserAgentSignal.KnownBad] },
        { "curl.exe", "*<|>*", false, 0, Severity.High, [UserAgentSignal.KnownBad] },
        // Exact entries do not match a longer string.
        { "curl.exe", "Opera/8.81 (Windows NT 6.0; U; en) extra", false, 0, null, [] },
        // The ART Wget string is also the seed's generic "Wget": the weightier entry wins.
        { "curl.exe", "Wget/1.9+cvs-stable (Red Hat modified)", false, 0, Severity.High, [UserAgentSignal.KnownBad] },
        { "", "MyRAT/2.1", false, 0, Severity.High, [UserAgentSignal.KnownBad] },
        { "", "HttpBrowser/1.0", true, 0, Severity.High, [UserAgentSignal.KnownBad, UserAgentSignal.Rare] },
        // Generic tools: low, and a rare version string adds nothing.
        { "", "curl/7.58.0", false, 0, Severity.Low, [UserAgentSignal.Tool] },
        { "", "python-requests/2.31.0", true, 0, Severity.Low, [UserAgentSignal.Tool] },
        { "", "curl/8.4.0", false, 0, null, [] },
        // A framework default that is also a real browser's: nothing alone...
        { "iexplore.exe", Empire, false, 0, null, [] },
        { "", Empire, false, 0, null, [] },
        // ...medium beside one other signal, high beside two.
        { "", Empire, true, 0, Severity.Medium, [UserAgentSignal.FrameworkDefault, UserAgentSignal.Rare] },
        { "powershell.exe", Empire, true, 0, Severity.Medium, [UserAgentSignal.FrameworkDefault, UserAgentSignal.Rare] },
        { "GruntHTTP.exe", Covenant, false, 0, Severity.Medium, [UserAgentSignal.FrameworkDefault, UserAgentSignal.BrowserFromNonBrowser] },
        { "GruntHTTP.exe", Covenant, true, 0, Severity.High, [UserAgentSignal.FrameworkDefault, UserAgentSignal.BrowserFromNonBrowser, UserAgentSignal.Rare] },
        { "chrome.exe", Covenant, false, 0, null, [] },
        // A browser user agent from a non-browser: low; with rarity, medium.
        { "teamsupdate.exe", Chrome131, false, 0, Severity.Low, [UserAgentSignal.BrowserFromNonBrowser] },
        { "teamsupdate.exe", Chrome131, true, 0, Severity.Medium, [UserAgentSignal.BrowserFromNonBrowser, UserAgentSignal.Rare] },
        { "chrome.exe", Chrome131, false, 0, null, [] },
        { @"C:\Program Files\Google\Chrome\Application\chrome.exe", Chrome131, false, 0, null, [] },
        { "msedgewebview2.exe", Chrome131, false, 0, null, [] },
        // Electron applications announce themselves: not a masquerade.
        { "ms-teams.exe", Teams, false, 0, null, [] },
        // Unknown process (a network sensor): the check cannot run.
        { "", Chrome131, false, 0, null, [] },
        // Rare alone: low.
        { "", "Modzilla/-2.0 (Atari 7800)", true, 0, Severity.Low, [UserAgentSignal.Rare] },
        { "", "Modzilla/-2.0 (Atari 7800)", false, 0, null, [] },
        // Missing user agents: low.
        { "", null, false, 3, Severity.Low, [UserAgentSignal.Missing] },
        { "svc.exe", "Microsoft-Delivery-Optimization/10.0", false, 1, Severity.Low, [UserAgentSignal.Missing] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Signals_and_severity(string process, string? agent, bool rare, long missing, Severity? severity, UserAgentSignal[] signals)
    {
        var assessment = Assess(process, agent, rare, missing);
        if (severity is null)
        {
            Assert.Null(assessment);
            return;
        }
        Assert.NotNull(assessment);
        Assert.Equal(severity, assessment.Severity);
        Assert.Equal(signals.Order(), assessment.Signals.Order());
        Assert.InRange(assessment.Score, 0.01, 1);
        Assert.NotEmpty(assessment.Reasons);
    }

    [Fact]
    public void Missing_user_agents_count_only_when_every_http_input_logs_the_field()
    {
        Assert.Null(Assess("", null, missing: 3, missingMeaningful: false));
        Assert.True(UserAgentAnalytic.MissingIsMeaningful([]));
        Assert.True(UserAgentAnalytic.MissingIsMeaningful([TelemetryFields.HttpMethod | TelemetryFields.UserAgent, TelemetryFields.Duration]));
        // Squid's native format: methods, no user-agent field.
        Assert.False(UserAgentAnalytic.MissingIsMeaningful([TelemetryFields.HttpMethod | TelemetryFields.UserAgent, TelemetryFields.HttpMethod]));
    }

    [Fact]
    public void Score_combines_the_signals_as_independent_evidence()
    {
        // Oracle: 1 - (1 - 0.5)(1 - 0.4)(1 - 0.35) = 0.805.
        Assert.Equal(0.805, Assess("GruntHTTP.exe", Covenant, rare: true)!.Score);
        Assert.Equal(0.9, Assess("", "HttpBrowser/1.0")!.Score);
        Assert.Equal(0.935, Assess("", "HttpBrowser/1.0", rare: true)!.Score);
    }

    [Fact]
    public void Reasons_quote_the_user_agent_and_cut_a_hostile_one()
    {
        var reasons = Assess("", "HttpBrowser/1.0")!.Reasons;
        Assert.Contains(reasons, r => r.Contains("\"HttpBrowser/1.0\"", StringComparison.Ordinal) && r.Contains("atomic-red-team", StringComparison.Ordinal));

        var hostile = "HttpBrowser/1.0 " + new string('A', 10_000) + "\u001b[2J";
        var quoted = Assess("", hostile)!.Reasons.First(r => r.StartsWith("known-bad", StringComparison.Ordinal));
        Assert.True(quoted.Length < 1_000);
        Assert.Contains("10,020 characters", quoted, StringComparison.Ordinal);
    }
}
