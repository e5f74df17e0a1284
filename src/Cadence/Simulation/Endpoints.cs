using System.Globalization;

namespace Cadence.Simulation;

/// <summary>A byte count drawn per connection: near-constant for implants, widely varying for people and most clients.</summary>
internal readonly record struct ByteSize(double Median, double Spread, bool NearConstant)
{
    /// <summary><paramref name="value"/> plus 0 to <paramref name="spread"/> bytes: an implant's fixed-size check-in.</summary>
    public static ByteSize Near(long value, int spread) => new(value, spread, true);

    /// <summary>Log-normal around <paramref name="median"/>: real requests and responses.</summary>
    public static ByteSize Varying(double median, double sigma) => new(median, sigma, false);

    public long Next(SimulationRandom random) =>
        NearConstant ? (long)Median + random.Between(0, (int)Spread) : Math.Max(0, (long)random.LogNormal(Median, Spread));
}

/// <summary>
/// A TLS client stack: its JA3 fingerprints and what it negotiates. Chromium permutes its
/// ClientHello extensions (since Chrome 110): about 15 extensions give 15! orders, so in practice
/// every handshake has a JA3 of its own (<paramref name="PermutesPerHandshake"/>).
/// </summary>
internal sealed record TlsClient(string Name, string[] Ja3, string Version, string Cipher, string? NextProtocol, bool PermutesPerHandshake = false);

/// <summary>Where a channel connects: a name, the addresses it resolves to, and what its traffic looks like.</summary>
internal sealed record ServiceEndpoint
{
    public required string Host { get; init; }

    /// <summary>The addresses the name resolves to; each connection takes one (round-robin DNS, CDN edges).</summary>
    public required string[] Addresses { get; init; }

    public required int Port { get; init; }

    /// <summary>The TLS stack of the client; null for plain HTTP.</summary>
    public TlsClient? Tls { get; init; }

    /// <summary>The server's JA3S (one per server stack).</summary>
    public string Ja3s { get; init; } = Fingerprints.Ja3sMicrosoft;

    public string Method { get; init; } = "GET";

    public string[] Uris { get; init; } = ["/"];

    public string UserAgent { get; init; } = UserAgents.Chrome;

    public int StatusCode { get; init; } = 200;

    public ByteSize Sent { get; init; } = ByteSize.Varying(900, 0.4);

    public ByteSize Received { get; init; } = ByteSize.Varying(6000, 1.0);

    /// <summary>Median connection duration, seconds.</summary>
    public double Duration { get; init; } = 0.3;

    /// <summary>Share of TLS connections Defender logs an SslConnectionInspected row for.</summary>
    public double DefenderTlsInspection { get; init; } = 0.1;

    /// <summary>Share of TLS connections resumed from an earlier session.</summary>
    public double Resumption { get; init; } = 0.3;
}

/// <summary>JA3 and JA3S values. Those not cited are synthetic: 32 hex digits made from a label, shaped like an MD5.</summary>
internal static class Fingerprints
{
    /// <summary>Trickbot, from the JA3 README (salesforce/ja3): a known-bad client fingerprint.</summary>
    public const string Ja3Trickbot = "6734f37431670b3ab4292b8f60f29984";

    /// <summary>curl, from the JA3 test suite's baseline (../shared/data/ja3).</summary>
    public const string Ja3Curl = "2a26b1a62e40d25d4de3babc9d532f30";

    public static readonly string Ja3sMicrosoft = Synthetic("ja3s microsoft front door");
    public static readonly string Ja3sGoogle = Synthetic("ja3s google frontend");
    public static readonly string Ja3sCdn = Synthetic("ja3s cdn edge");
    public static readonly string Ja3sNginx = Synthetic("ja3s nginx openssl");
    public static readonly string Ja3sGo = Synthetic("ja3s go crypto/tls server");
    public static readonly string Ja3sTrickbotServer = Synthetic("ja3s trickbot c2 server");

    public static string Synthetic(string label)
    {
        var a = SimulationRandom.Hash(0x4A41_3300, label);
        var b = SimulationRandom.Hash(0x4A41_3301, label);
        return a.ToString("x16", CultureInfo.InvariantCulture) + b.ToString("x16", CultureInfo.InvariantCulture);
    }
}

/// <summary>The TLS stacks of the simulated processes.</summary>
internal static class TlsClients
{
    public static readonly TlsClient Chromium = new("chromium", [Fingerprints.Synthetic("ja3 chromium permutation")],
        "TLSv13", "TLS_AES_128_GCM_SHA256", "h2", PermutesPerHandshake: true);

    /// <summary>Windows SChannel (WinHTTP, WinINet, .NET on Windows): shared by Windows clients and by implants that use WinINet, such as Cobalt Strike.</summary>
    public static readonly TlsClient SChannel = new("schannel", [Fingerprints.Synthetic("ja3 windows schannel")],
        "TLSv12", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", null);

    public static readonly TlsClient Go = new("go", [Fingerprints.Synthetic("ja3 go crypto/tls")], "TLSv13", "TLS_AES_128_GCM_SHA256", null);

    public static readonly TlsClient OpenSsl = new("openssl", [Fingerprints.Synthetic("ja3 python openssl")], "TLSv13", "TLS_AES_256_GCM_SHA384", null);

    public static readonly TlsClient Trickbot = new("trickbot", [Fingerprints.Ja3Trickbot], "TLSv12", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", null);
}

/// <summary>User agents the simulated processes send over plain HTTP.</summary>
internal static class UserAgents
{
    public const string Chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    public const string Edge = Chrome + " Edg/131.0.0.0";
    public const string DeliveryOptimization = "Microsoft-Delivery-Optimization/10.0";

    /// <summary>Empire's default (an IE 11 on Windows 7 string).</summary>
    public const string Empire = "Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko";

    /// <summary>Covenant's default HTTP profile.</summary>
    public const string Covenant = "Mozilla/5.0 (Windows NT 6.1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/41.0.2228.0 Safari/537.36";

    /// <summary>Mythic's default HTTP profile.</summary>
    public const string Mythic = "Mozilla/5.0 (Windows NT 6.3; Trident/7.0; rv:11.0) like Gecko";

    /// <summary>The HttpBrowser RAT's own user agent, one of those Atomic Red Team's T1071.001 test sends.</summary>
    public const string HttpBrowser = "HttpBrowser/1.0";
}

/// <summary>Public addresses for names, stable for a name and always classified Public (never private, reserved or documentation ranges).</summary>
internal static class Addresses
{
    public static readonly string[] Microsoft = ["13.107", "20.190", "40.126", "52.96", "52.97", "52.113"];
    public static readonly string[] Google = ["142.250", "172.217", "216.58"];
    public static readonly string[] CloudFront = ["13.32", "18.154", "99.86"];
    public static readonly string[] Cloudflare = ["104.16", "104.18", "172.67"];
    public static readonly string[] Akamai = ["23.32", "23.45", "96.7"];
    public static readonly string[] Dropbox = ["162.125"];

    /// <summary>Hosting providers where both honest small sites and C2 servers rent machines.</summary>
    public static readonly string[] Hosting = ["5.180", "31.214", "45.9", "45.137", "46.101", "62.113", "77.91", "80.78", "85.209", "91.215", "94.131", "95.179", "139.59", "146.190", "159.89", "164.92", "167.99", "185.141", "185.225", "193.29"];

    /// <summary><paramref name="count"/> distinct addresses for <paramref name="host"/> in the given /16 prefixes.</summary>
    public static string[] For(string host, string[] prefixes, int count, long seed = 0)
    {
        var result = new List<string>();
        for (var i = 0; result.Count < count; i++)
        {
            var h = SimulationRandom.Hash(seed, $"{host}#{i}");
            var prefix = prefixes[(int)(h % (ulong)prefixes.Length)];
            var address = $"{prefix}.{(h >> 16) % 256}.{1 + (h >> 32) % 254}";
            if (!result.Contains(address))
                result.Add(address);
        }
        return [.. result];
    }
}
