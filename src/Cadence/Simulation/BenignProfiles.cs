namespace Cadence.Simulation;

/// <summary>The processes benign traffic comes from, with the command lines Defender shows for them.</summary>
internal static class BenignProcesses
{
    public static readonly ProcessSpec Chrome = new("chrome.exe",
        "\"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe\" --type=utility --utility-sub-type=network.mojom.NetworkService --lang=en-US --service-sandbox-type=none --mojo-platform-channel-handle=2140 /prefetch:11",
        AccountKind.User);

    public static readonly ProcessSpec Edge = new("msedge.exe",
        "\"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe\" --type=utility --utility-sub-type=network.mojom.NetworkService --lang=en-US --service-sandbox-type=none --mojo-platform-channel-handle=2232 /prefetch:11",
        AccountKind.User);

    /// <summary>Stands for whichever browser the device's user runs (chrome.exe or msedge.exe).</summary>
    public static readonly ProcessSpec DeviceBrowser = new("chrome.exe or msedge.exe", string.Empty, AccountKind.User);

    public static ProcessSpec BrowserOf(SimulatedDevice device) => device.Browser == "chrome.exe" ? Chrome : Edge;

    public static readonly ProcessSpec MonitoringHost = new("MonitoringHost.exe",
        "\"C:\\Program Files\\Microsoft Monitoring Agent\\Agent\\MonitoringHost.exe\" -Embedding", AccountKind.System);

    public static readonly ProcessSpec MsSense = new("MsSense.exe",
        "\"C:\\Program Files\\Windows Defender Advanced Threat Protection\\MsSense.exe\"", AccountKind.System);

    public static readonly ProcessSpec EdgeUpdate = new("MicrosoftEdgeUpdate.exe",
        "\"C:\\Program Files (x86)\\Microsoft\\EdgeUpdate\\MicrosoftEdgeUpdate.exe\" /ua /installsource scheduler", AccountKind.System);

    public static readonly ProcessSpec GoogleUpdate = new("GoogleUpdate.exe",
        "\"C:\\Program Files (x86)\\Google\\Update\\GoogleUpdate.exe\" /ua /installsource scheduler", AccountKind.System);

    public static readonly ProcessSpec WindowsUpdate = new("svchost.exe",
        "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s wuauserv", AccountKind.System);

    public static readonly ProcessSpec DeliveryOptimization = new("svchost.exe",
        "C:\\Windows\\System32\\svchost.exe -k NetworkService -p -s DoSvc", AccountKind.NetworkService);

    public static readonly ProcessSpec OneDrive = new("OneDrive.exe",
        "\"C:\\Users\\{user}\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe\" /background", AccountKind.User);

    public static readonly ProcessSpec Dropbox = new("Dropbox.exe",
        "\"C:\\Program Files (x86)\\Dropbox\\Client\\Dropbox.exe\" /systemstartup", AccountKind.User);

    public static readonly ProcessSpec Python = new("python.exe",
        "\"C:\\Users\\{user}\\AppData\\Local\\Programs\\Python\\Python312\\python.exe\" C:\\Users\\{user}\\scripts\\poll_build_status.py --interval 600",
        AccountKind.User);
}

/// <summary>
/// The benign half of the fleet: each of the seed rule's false-positive classes (browser
/// auto-refresh and long polling, cloud sync, software updates, monitoring agents and health
/// probes) with its real cadence and prevalence, web browsing as bursty noise, and one honest
/// hard case (a periodic script nobody would call malicious).
/// </summary>
internal static class BenignProfiles
{
    /// <summary>A Log Analytics workspace id: the monitoring agent's vendor host is per customer.</summary>
    private const string WorkspaceHost = "5f3c1d7e-8a2b-4c69-9e10-2b7d4a6c8f31.ods.opinsights.azure.com";

    private static ServiceEndpoint Microsoft(string host, int addresses, TlsClient client) => new()
    {
        Host = host, Addresses = Addresses.For(host, Addresses.Microsoft, addresses), Port = 443, Tls = client, Ja3s = Fingerprints.Ja3sMicrosoft,
    };

    private static SimulationProfile Benign(string id, string process, string destination, int port, IntervalModel cadence, string prevalence, string description) =>
        new(id, SimulationLabel.Benign, string.Empty, process, destination, port, cadence.Describe(), prevalence, description);

    public static readonly PeriodicChannel MonitoringAgent = Periodic(
        "monitoring-agent-60s", BenignProcesses.MonitoringHost,
        Microsoft(WorkspaceHost, 2, TlsClients.SChannel) with { Sent = ByteSize.Varying(1800, 0.3), Received = ByteSize.Varying(450, 0.2), Duration = 0.25, Resumption = 0.9 },
        new ClockInterval(60, 0.3), RunsWhen.Online, startToStart: true,
        prevalence: "95 % of devices",
        description: "Microsoft Monitoring Agent heartbeat to its Log Analytics workspace: a timer, very regular, on nearly every device");

    public static readonly PeriodicChannel DefenderSensor = Periodic(
        "mssense-telemetry", BenignProcesses.MsSense,
        Microsoft("winatp-gw-weu.microsoft.com", 3, TlsClients.SChannel) with { Sent = ByteSize.Varying(9000, 0.9), Received = ByteSize.Varying(900, 0.3), Duration = 0.6 },
        new LogNormalInterval(300, 0.15, 200, 450), RunsWhen.Online, startToStart: true,
        prevalence: "every device",
        description: "Defender for Endpoint sensor uploading cyber data to its regional gateway");

    public static readonly PeriodicChannel EdgeUpdate = Periodic(
        "edgeupdate-hourly", BenignProcesses.EdgeUpdate,
        Microsoft("msedge.api.cdp.microsoft.com", 2, TlsClients.SChannel) with { Sent = ByteSize.Varying(1400, 0.2), Received = ByteSize.Varying(2500, 0.5) },
        new LogNormalInterval(3600, 0.2, 2400, 5400), RunsWhen.Online,
        prevalence: "every workstation, half the servers",
        description: "Edge updater checking for a new version, hourly-ish with drift");

    public static readonly PeriodicChannel GoogleUpdate = Periodic(
        "googleupdate-hourly", BenignProcesses.GoogleUpdate,
        new ServiceEndpoint
        {
            Host = "update.googleapis.com", Addresses = Addresses.For("update.googleapis.com", Addresses.Google, 3), Port = 443,
            Tls = TlsClients.SChannel, Ja3s = Fingerprints.Ja3sGoogle, Sent = ByteSize.Varying(1700, 0.2), Received = ByteSize.Varying(1900, 0.4),
        },
        new LogNormalInterval(3600, 0.25, 2400, 6000), RunsWhen.Online,
        prevalence: "devices with Chrome installed (Chrome users and 30 % of Edge users)",
        description: "Google Update (Omaha) checking for Chrome updates over WinHTTP, hourly-ish with drift");

    public static readonly PeriodicChannel WindowsUpdate = Periodic(
        "windowsupdate-scan", BenignProcesses.WindowsUpdate,
        Microsoft("fe3cr.delivery.mp.microsoft.com", 4, TlsClients.SChannel) with { Sent = ByteSize.Varying(4000, 0.4), Received = ByteSize.Varying(30_000, 1.0), Duration = 1.5 },
        new LogNormalInterval(7200, 0.4, 3600, 14_400), RunsWhen.Online,
        prevalence: "every device",
        description: "Windows Update agent (svchost.exe, wuauserv) scanning for updates every few hours");

    public static readonly IrregularChannel DeliveryOptimization = new(
        new SimulationProfile("windowsupdate-download", SimulationLabel.Benign, string.Empty, "svchost.exe", "7.tlu.dl.delivery.mp.microsoft.com", 80,
            new PoissonInterval(4 * 3600, 300, 12 * 3600).Describe(), "40 % of devices",
            "Delivery Optimization (svchost.exe, DoSvc) fetching update content over plain HTTP with a non-browser user agent"),
        BenignProcesses.DeliveryOptimization,
        new ServiceEndpoint
        {
            Host = "7.tlu.dl.delivery.mp.microsoft.com", Addresses = Addresses.For("7.tlu.dl.delivery.mp.microsoft.com", Addresses.Akamai, 4), Port = 80,
            UserAgent = UserAgents.DeliveryOptimization,
            Uris = ["/filestreamingservice/files/3f1c2b7e-5a1d-4e0b-9c47-2d8e6f0a1b3c?P1=1733011200&P2=404&P3=2&P4=Kq1s", "/filestreamingservice/files/9d0e4a6f-1b2c-4d3e-8f5a-6b7c8d9e0f1a?P1=1733014800&P2=404&P3=2&P4=Zt7w"],
            Sent = ByteSize.Varying(0, 0), Received = ByteSize.Varying(2_000_000, 1.2), Duration = 8, StatusCode = 206,
        },
        new PoissonInterval(4 * 3600, 300, 12 * 3600));

    public static readonly PeriodicChannel OneDrive = Periodic(
        "onedrive-sync", BenignProcesses.OneDrive,
        Microsoft("skyapi.onedrive.live.com", 3, TlsClients.SChannel) with { Sent = ByteSize.Varying(1300, 0.3), Received = ByteSize.Varying(2200, 0.6), Duration = 0.5 },
        new LogNormalInterval(300, 0.1, 240, 400), RunsWhen.Online,
        prevalence: "85 % of workstations",
        description: "OneDrive polling for changes, every five minutes with jitter");

    public static readonly PeriodicChannel Dropbox = Periodic(
        "dropbox-longpoll", BenignProcesses.Dropbox,
        new ServiceEndpoint
        {
            Host = "bolt.dropbox.com", Addresses = Addresses.For("bolt.dropbox.com", Addresses.Dropbox, 2), Port = 443, Tls = TlsClients.OpenSsl,
            Ja3s = Fingerprints.Ja3sNginx, Sent = ByteSize.Varying(700, 0.2), Received = ByteSize.Varying(400, 0.3), Duration = 60,
        },
        new LogNormalInterval(15, 0.5, 2, 60), RunsWhen.Online,
        prevalence: "10 % of workstations",
        description: "Dropbox notification long poll: held about a minute by the server, reopened after a short pause");

    public static readonly PeriodicChannel Webmail = Periodic(
        "webmail-longpoll", BenignProcesses.DeviceBrowser,
        Microsoft("outlook.office365.com", 4, TlsClients.Chromium) with { Sent = ByteSize.Varying(1200, 0.3), Received = ByteSize.Varying(1500, 0.8), Duration = 45 },
        new LogNormalInterval(10, 0.6, 1, 60), RunsWhen.UserActive,
        prevalence: "60 % of workstations, while the user is active (their browser)",
        description: "Outlook on the web keeping a notification long poll open in a browser tab");

    public static readonly PeriodicChannel Teams = Periodic(
        "teams-presence-60s", BenignProcesses.DeviceBrowser,
        Microsoft("teams.microsoft.com", 3, TlsClients.Chromium) with { Sent = ByteSize.Varying(900, 0.3), Received = ByteSize.Varying(700, 0.5) },
        new SymmetricJitter(60, 0.2), RunsWhen.UserActive, startToStart: true,
        prevalence: "45 % of workstations, while the user is active (their browser)",
        description: "Teams in a browser tab refreshing presence and chat every minute");

    public static readonly PeriodicChannel NewsRefresh = Periodic(
        "news-autorefresh-300s", BenignProcesses.DeviceBrowser,
        new ServiceEndpoint
        {
            Host = "www.dailynews.example", Addresses = Addresses.For("www.dailynews.example", Addresses.Akamai, 2), Port = 443, Tls = TlsClients.Chromium,
            Ja3s = Fingerprints.Ja3sCdn, Sent = ByteSize.Varying(1500, 0.2), Received = ByteSize.Varying(180_000, 0.3), Duration = 1.2,
        },
        new ClockInterval(300, 1.5), RunsWhen.UserActive, startToStart: true,
        prevalence: "8 % of workstations, while the user is active (their browser)",
        description: "A news front page left open with its meta refresh every 300 s: as regular as a beacon");

    public static readonly PeriodicChannel PythonPoller = Periodic(
        "python-statuspoll-600s", BenignProcesses.Python,
        new ServiceEndpoint
        {
            Host = "api.buildstatus.example", Addresses = Addresses.For("api.buildstatus.example", Addresses.Hosting, 1), Port = 443, Tls = TlsClients.OpenSsl,
            Ja3s = Fingerprints.Ja3sNginx, Sent = ByteSize.Near(640, 6), Received = ByteSize.Varying(1400, 0.1), Duration = 0.4, Resumption = 0,
        },
        new ClockInterval(600, 0.5), RunsWhen.Online,
        prevalence: "1 device (2 in fleets of 50 or more)",
        description: "An engineer's script polling a build-status API every 10 minutes: periodic, rare, near-constant size, and benign (the honest hard case)");

    public static readonly BrowsingChannel Browsing = new(
        new SimulationProfile("web-browsing", SimulationLabel.Benign, string.Empty, "chrome.exe or msedge.exe", "many sites (Zipf popularity) and their third parties", 443,
            "sessions of page views while the user is active; Pareto gaps between pages, exponential gaps between sessions", "every workstation",
            "A user browsing the web during working hours; some long-tail sites still on plain HTTP"),
        Sites.All, Sites.ThirdParties);

    /// <summary>Every benign generator, in a fixed order (the order decides nothing but the stream ids).</summary>
    public static IReadOnlyList<ChannelGenerator> All { get; } =
    [
        MonitoringAgent, DefenderSensor, EdgeUpdate, GoogleUpdate, WindowsUpdate, DeliveryOptimization, OneDrive, Dropbox,
        Webmail, Teams, NewsRefresh, PythonPoller, Browsing,
    ];

    private static PeriodicChannel Periodic(
        string id, ProcessSpec process, ServiceEndpoint endpoint, IntervalModel cadence, RunsWhen when, string prevalence, string description,
        bool startToStart = false)
    {
        var profile = Benign(id, process.FileName, endpoint.Host, endpoint.Port, cadence, prevalence, description);
        // A long poll's rhythm is its hold plus the pause: say both.
        if (!startToStart && endpoint.Duration >= 10)
            profile = profile with { Cadence = $"held open about {endpoint.Duration:0} s (median), then reopened after a pause: {cadence.Describe()}" };
        return new(profile, process, endpoint, cadence, when, Imperfections.Client, startToStart);
    }
}

/// <summary>The web as the simulated users see it: popular real sites, a long tail of small ones, and the third parties pages pull in.</summary>
internal static class Sites
{
    private static readonly (string Host, string[] Prefixes)[] Popular =
    [
        ("www.google.com", Addresses.Google), ("mail.google.com", Addresses.Google), ("docs.google.com", Addresses.Google),
        ("www.youtube.com", Addresses.Google), ("www.bing.com", Addresses.Microsoft), ("www.office.com", Addresses.Microsoft),
        ("www.linkedin.com", Addresses.Microsoft), ("learn.microsoft.com", Addresses.Akamai), ("github.com", ["140.82"]),
        ("en.wikipedia.org", ["208.80"]), ("stackoverflow.com", Addresses.Cloudflare), ("www.reddit.com", ["151.101"]),
        ("www.amazon.com", Addresses.CloudFront), ("www.nytimes.com", ["151.101"]), ("www.bbc.com", ["151.101"]),
        ("www.theguardian.com", ["151.101"]), ("www.salesforce.com", Addresses.Akamai), ("zoom.us", ["170.114"]),
        ("app.slack.com", Addresses.CloudFront), ("www.atlassian.com", Addresses.CloudFront), ("app.asana.com", Addresses.CloudFront),
        ("www.dropbox.com", Addresses.Dropbox), ("www.apple.com", Addresses.Akamai), ("news.ycombinator.com", ["209.216"]),
        ("weather.com", Addresses.Akamai), ("www.espn.com", Addresses.Akamai), ("www.ebay.com", Addresses.Akamai),
        ("www.paypal.com", Addresses.Akamai), ("www.adobe.com", Addresses.Akamai), ("www.canva.com", Addresses.Cloudflare),
        ("www.notion.so", Addresses.Cloudflare), ("www.figma.com", Addresses.CloudFront), ("www.wsj.com", Addresses.Akamai),
        ("www.booking.com", Addresses.Akamai), ("www.indeed.com", Addresses.Cloudflare), ("www.zillow.com", Addresses.CloudFront),
    ];

    private static readonly string[] Words =
    [
        "harbor", "maple", "summit", "river", "cedar", "pixel", "orbit", "copper", "lumen", "north", "atlas", "meadow",
        "quartz", "signal", "tidal", "amber", "falcon", "ember", "garden", "vector", "willow", "crisp", "nimbus", "prairie",
    ];

    private static readonly string[] Tails = ["news", "review", "blog", "shop", "guide", "works", "labs", "daily", "forum", "wiki", "travel", "recipes"];

    private static readonly string[] HttpUris = ["/", "/index.html", "/news/", "/article/2026/11/latest", "/images/banner.jpg", "/css/site.css", "/about.html", "/search?q=report"];

    public static IReadOnlyList<ServiceEndpoint> All { get; } = Build();

    public static IReadOnlyList<ServiceEndpoint> ThirdParties { get; } =
    [
        .. new (string Host, string[] Prefixes)[]
        {
            ("fonts.googleapis.com", Addresses.Google), ("fonts.gstatic.com", Addresses.Google), ("www.googletagmanager.com", Addresses.Google),
            ("www.google-analytics.com", Addresses.Google), ("ajax.googleapis.com", Addresses.Google), ("static.doubleclick.net", Addresses.Google),
            ("cdn.jsdelivr.net", Addresses.Cloudflare), ("cdnjs.cloudflare.com", Addresses.Cloudflare), ("connect.facebook.net", ["157.240"]),
            ("cdn.cookielaw.org", Addresses.Cloudflare), ("js.stripe.com", Addresses.CloudFront), ("c.bing.com", Addresses.Microsoft),
            ("use.typekit.net", Addresses.Akamai), ("assets.adobedtm.com", Addresses.Akamai),
        }.Select(s => Site(s.Host, s.Prefixes, tls: true) with { Received = ByteSize.Varying(12_000, 1.3) }),
    ];

    private static List<ServiceEndpoint> Build()
    {
        var sites = Popular.Select(p => Site(p.Host, p.Prefixes, tls: true)).ToList();
        // The long tail: small sites on shared hosting, one in five still plain HTTP.
        var n = 0;
        foreach (var a in Words)
        {
            foreach (var tail in Tails)
            {
                var host = $"www.{a}{tail}.example";
                sites.Add(Site(host, Addresses.Hosting, tls: n++ % 5 != 0));
            }
        }
        return sites;
    }

    private static ServiceEndpoint Site(string host, string[] prefixes, bool tls) => new()
    {
        Host = host,
        Addresses = Addresses.For(host, prefixes, 1 + (int)(SimulationRandom.Hash(0, host) % 3)),
        Port = tls ? 443 : 80,
        Tls = tls ? TlsClients.Chromium : null,
        Ja3s = Fingerprints.Ja3sCdn,
        Uris = HttpUris,
        Sent = ByteSize.Varying(1300, 0.7),
        Received = ByteSize.Varying(28_000, 1.5),
        Duration = 4,
        Resumption = 0.4,
    };
}
