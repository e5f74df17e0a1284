using System.Globalization;
using System.Text;
using Cadence.Analytics;
using Cadence.Analytics.UserAgents;
using Cadence.Scoring;
using Cadence.Scoring.Tuning;
using Cadence.Tests.Sources;

namespace Cadence.Tests.Analytics.UserAgents;

/// <summary>The user-agent analytic end to end: files in real formats through <see cref="Hunt.Run"/>.</summary>
public sealed class UserAgentPipelineTests : IDisposable
{
    private const string Covenant = "Mozilla/5.0 (Windows NT 6.1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/41.0.2228.0 Safari/537.36";
    private const string Chrome131 = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

    private readonly TempFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static List<Finding> UserAgentFindings(HuntResult result) =>
        [.. result.Findings.Concat(result.Suppressed).Where(f => f.Analytic == UserAgentAnalytic.AnalyticName)];

    [Fact]
    public void Zeek_http_log_linked_to_conn_log()
    {
        var conn = new StringBuilder(ZeekSamples.ConnHeader);
        var http = new StringBuilder(ZeekSamples.HttpHeader);
        var n = 0;
        void Request(string device, string server, string host, string userAgent, int times)
        {
            for (var i = 0; i < times; i++)
            {
                var uid = $"C{n++:D6}";
                var ts = (1_700_000_000 + n * 97).ToString(CultureInfo.InvariantCulture) + ".250000";
                conn.Append(CultureInfo.InvariantCulture, $"{ts}\t{uid}\t{device}\t{40000 + n}\t{server}\t80\ttcp\thttp\t0.120000\t180\t900\tSF\tT\tF\t0\tShADadFf\t6\t500\t5\t1200\t-\n");
                http.Append(CultureInfo.InvariantCulture, $"{ts}\t{uid}\t{device}\t{40000 + n}\t{server}\t80\t1\tGET\t{host}\t/index.php\t-\t1.1\t{userAgent}\t-\t0\t900\t200\tOK\t-\t-\t(empty)\t-\t-\t-\t-\t-\t-\t-\t-\t-\n");
            }
        }
        Request("10.0.0.5", "203.0.113.10", "update.windows-check.example", "HttpBrowser/1.0", 3);
        Request("10.0.0.6", "198.51.100.7", "intranet-updates.example", Covenant, 4);
        Request("10.0.0.7", "192.0.2.80", "www.example.org", Chrome131, 2);
        Request("10.0.0.8", "192.0.2.80", "www.example.org", Chrome131, 2);
        Request("10.0.0.8", "192.0.2.81", "news.example.org", Chrome131, 2);
        Request("10.0.0.9", "192.0.2.90", "api.example.net", "-", 2);
        _files.Write("zeek/conn.log", conn.ToString());
        _files.Write("zeek/http.log", http.ToString());

        var result = Hunt.Run(new HuntOptions([Path.Combine(_files.Root, "zeek")], TuningFile.Default));
        var findings = UserAgentFindings(result);

        var rat = Assert.Single(findings, f => f.Destination == "update.windows-check.example");
        Assert.Equal("10.0.0.5", rat.Device);
        Assert.Equal(Severity.High, rat.Severity);
        Assert.Contains(rat.Reasons, r => r.StartsWith("known-bad user agent \"HttpBrowser/1.0\" (3 of 3 HTTP requests)", StringComparison.Ordinal));

        // Covenant's default is Chrome 41's too: it counts because one device sends it to one destination.
        var covenant = Assert.Single(findings, f => f.Destination == "intranet-updates.example");
        Assert.Equal(Severity.Medium, covenant.Severity);
        Assert.Contains(covenant.Reasons, r => r.Contains("C2 framework default", StringComparison.Ordinal) && r.Contains("cobbr/Covenant", StringComparison.Ordinal));
        Assert.Contains(covenant.Reasons, r => r.StartsWith("rare user agent", StringComparison.Ordinal));
        Assert.Null(covenant.SubScores["browserFromNonBrowser"]);

        var missing = Assert.Single(findings, f => f.Destination == "api.example.net");
        Assert.Equal(Severity.Low, missing.Severity);
        Assert.Contains(missing.Reasons, r => r.StartsWith("2 of 2 HTTP requests carried no user agent", StringComparison.Ordinal));

        // Chrome 131 reaches two destinations from two devices: neither rare nor odd.
        Assert.DoesNotContain(findings, f => f.Destination.EndsWith("example.org", StringComparison.Ordinal));
        Assert.Equal(3, findings.Count);
    }

    [Fact]
    public void Defender_http_inspections_joined_to_their_connections()
    {
        const string header = "Timestamp,DeviceName,ActionType,RemoteIP,RemotePort,RemoteUrl,LocalIP,LocalPort,RemoteIPType,InitiatingProcessFileName,InitiatingProcessId,InitiatingProcessCommandLine,AdditionalFields";
        var csv = new StringBuilder(header).Append('\n');
        var port = 50000;
        var time = new DateTime(2024, 3, 26, 9, 0, 0, DateTimeKind.Utc);
        void Exchange(string device, string process, string ip, string host, string userAgent)
        {
            port++;
            time = time.AddSeconds(37);
            var t = time.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
            var ua = userAgent.Replace("\"", "\"\"", StringComparison.Ordinal);
            // Newest first, as advanced hunting exports: the inspection row has no process of its own.
            csv.Append(CultureInfo.InvariantCulture, $"{t},{device},HttpConnectionInspected,{ip},80,,10.1.0.9,{port},Public,,,,\"{{\"\"direction\"\":\"\"Out\"\",\"\"host\"\":\"\"{host}\"\",\"\"method\"\":\"\"GET\"\",\"\"uri\"\":\"\"/en-us/index.html\"\",\"\"user_agent\"\":\"\"{ua}\"\",\"\"status_code\"\":\"\"200\"\"}}\"\n");
            csv.Append(CultureInfo.InvariantCulture, $"{t},{device},ConnectionSuccess,{ip},80,http://{host}/,10.1.0.9,{port},Public,{process},4412,{process},{{}}\n");
        }
        for (var i = 0; i < 3; i++)
        {
            Exchange("ws-1", "GruntHTTP.exe", "203.0.113.9", "intranet-updates.example", Covenant);
            Exchange("ws-2", "chrome.exe", "192.0.2.80", "www.example.org", Chrome131);
            Exchange("ws-3", "msedge.exe", "192.0.2.80", "www.example.org", Chrome131 + " Edg/131.0.0.0");
            Exchange("ws-3", "msedge.exe", "192.0.2.81", "news.example.org", Chrome131 + " Edg/131.0.0.0");
            Exchange("ws-4", "teamsupdate.exe", "198.51.100.3", "mail.corp-webaccess.example", Chrome131);
        }
        var path = _files.Write("DeviceNetworkEvents.csv", csv.ToString());

        var result = Hunt.Run(new HuntOptions([path], TuningFile.Default));
        Assert.DoesNotContain(result.Skipped, s => s.Analytic == UserAgentAnalytic.AnalyticName && s.Reason.Contains("UserAgent", StringComparison.Ordinal));
        var findings = UserAgentFindings(result);

        var covenant = Assert.Single(findings, f => f.Destination == "intranet-updates.example");
        Assert.Equal("GruntHTTP.exe", covenant.Process);
        Assert.Equal(Severity.High, covenant.Severity);
        Assert.Contains(covenant.Reasons, r => r.Contains("sent by GruntHTTP.exe, which is not a browser", StringComparison.Ordinal));
        Assert.Equal(0.4, covenant.SubScores["browserFromNonBrowser"]);

        var masquerade = Assert.Single(findings, f => f.Destination == "mail.corp-webaccess.example");
        Assert.Equal(Severity.Low, masquerade.Severity);
        Assert.Equal("teamsupdate.exe", masquerade.Process);

        Assert.DoesNotContain(findings, f => f.Process is "chrome.exe" or "msedge.exe");
        Assert.Equal(2, findings.Count);
    }

    [Fact]
    public void A_run_whose_inputs_carry_no_user_agents_says_so()
    {
        var csv = "Timestamp,DeviceName,ActionType,RemoteIP,RemotePort,RemoteIPType,InitiatingProcessFileName\n" +
                  "2024-01-01T00:00:00Z,h,ConnectionSuccess,198.51.100.9,443,Public,p.exe\n";
        // A Defender export with no AdditionalFields column cannot carry user agents.
        var result = Hunt.Run(new HuntOptions([_files.Write("bare.csv", csv)], TuningFile.Default));
        var skipped = Assert.Single(result.Skipped, s => s.Analytic == UserAgentAnalytic.AnalyticName);
        Assert.Contains("UserAgent", skipped.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Users_add_their_own_user_agents_in_the_tuning_file()
    {
        var conn = new StringBuilder(ZeekSamples.ConnHeader);
        var http = new StringBuilder(ZeekSamples.HttpHeader);
        for (var i = 0; i < 2; i++)
        {
            foreach (var (device, agent) in new[] { ("10.0.0.5", "Mozilla/5.0 OurOwnRAT/3"), ("10.0.0.6", "Mozilla/5.0 OurOwnRAT/3") })
            {
                var uid = $"C{device[^1]}{i}";
                var ts = (1_700_000_000 + i * 60 + device[^1]).ToString(CultureInfo.InvariantCulture) + ".5";
                conn.Append(CultureInfo.InvariantCulture, $"{ts}\t{uid}\t{device}\t4000{i}\t203.0.113.10\t80\ttcp\thttp\t0.1\t180\t900\tSF\tT\tF\t0\tShADadFf\t6\t500\t5\t1200\t-\n");
                http.Append(CultureInfo.InvariantCulture, $"{ts}\t{uid}\t{device}\t4000{i}\t203.0.113.10\t80\t1\tGET\tshared.example\t/\t-\t1.1\t{agent}\t-\t0\t900\t200\tOK\t-\t-\t(empty)\t-\t-\t-\t-\t-\t-\t-\t-\t-\n");
            }
        }
        _files.Write("z/conn.log", conn.ToString());
        _files.Write("z/http.log", http.ToString());
        var tuning = _files.Write("tuning.yaml", "known_bad:\n  user_agents: [ourownrat/]\n");

        Assert.Empty(UserAgentFindings(Hunt.Run(new HuntOptions([Path.Combine(_files.Root, "z")], TuningFile.Default))));
        var findings = UserAgentFindings(Hunt.Run(new HuntOptions([Path.Combine(_files.Root, "z")], TuningFile.Load(tuning))));
        Assert.Equal(2, findings.Count);
        Assert.All(findings, f => Assert.Equal(Severity.High, f.Severity));
        Assert.All(findings, f => Assert.Contains(f.Reasons, r => r.Contains(KnownUserAgents.TuningSource, StringComparison.Ordinal)));
    }

    [SkippableFact]
    [Trait("Category", "RealData")]
    public void Rita_proxy_beacon_user_agent_is_rare_and_raises_the_beacon()
    {
        var folder = RealData.Folder("zeek-rita-proxy");

        var result = Hunt.Run(new HuntOptions([folder], TuningFile.Default));

        var agent = Assert.Single(UserAgentFindings(result), f => f.Destination == "www.honestimnotevil.com");
        Assert.Equal("10.136.0.18", agent.Device);
        Assert.Equal(Severity.Low, agent.Severity);
        Assert.Contains(agent.Reasons, r => r.StartsWith("rare user agent \"Modzilla/-2.0 (Atari 7800)\"", StringComparison.Ordinal));
        Assert.Equal(UserAgentScorer.RareWeight, agent.SubScores["rare"]);
        // Its three CONNECTs to www.google.com fell out of the 24 h window: they do not make it shared.
        var beacon = Assert.Single(result.Findings, f => f.Destination == "www.honestimnotevil.com" && f.Analytic == "beacon");
        Assert.Contains(beacon.Reasons, r => r.StartsWith("also flagged on this channel by:", StringComparison.Ordinal) && r.Contains("user-agent", StringComparison.Ordinal));
    }
}
