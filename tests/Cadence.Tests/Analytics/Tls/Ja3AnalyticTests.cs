using Cadence.Analytics;
using Cadence.Analytics.Tls;
using Cadence.Scoring;
using Cadence.Scoring.Tuning;

namespace Cadence.Tests.Analytics.Tls;

public sealed class Ja3AnalyticTests : IDisposable
{
    private readonly TempFiles _files = new();

    public void Dispose() => _files.Dispose();

    // The JA3 README's pairs (salesforce/ja3, section JA3S).
    private const string TrickbotJa3 = "6734f37431670b3ab4292b8f60f29984";
    private const string TrickbotJa3s = "623de93db17d313345d7ea481e7443cf";
    private const string EmotetJa3 = "4d7a28d6f2263ed61de88ca66eb011e3";
    private const string EmotetJa3s = "80b3a14bccc8598a1f3bbe83e71f735f";
    private const string Other = "0123456789abcdef0123456789abcdef";

    [Theory]
    [InlineData(TrickbotJa3, TrickbotJa3s, "Trickbot", true)]
    [InlineData(EmotetJa3, EmotetJa3s, "Emotet", true)]
    [InlineData(TrickbotJa3, Other, "Trickbot", false)]
    [InlineData("6734F37431670B3AB4292B8F60F29984", null, "Trickbot", false)]
    [InlineData("55fa82b61806d2e6e9848260de2ecb34", null, "Dyre", false)]
    [InlineData(Other, TrickbotJa3s, null, false)]
    public void The_shipped_file_matches_the_published_fingerprints(string ja3, string? ja3s, string? name, bool pair)
    {
        var match = KnownBadJa3.Shipped.Match([ja3], ja3s is null ? new HashSet<string>() : new HashSet<string> { ja3s });

        Assert.Equal(name, match?.Entry.Name);
        if (match is not null)
        {
            Assert.Equal(pair, match.PairMatched);
            Assert.Contains("salesforce/ja3", match.Entry.Source, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_shipped_entry_cites_its_source() =>
        Assert.All(KnownBadJa3.Shipped.Entries, e => Assert.Contains("salesforce/ja3 README.md at commit", e.Source, StringComparison.Ordinal));

    private static Ja3Evidence Evidence(Ja3Match? knownBad = null, string? unique = null, DestinationRarity rarity = DestinationRarity.Rare,
        string process = "svc.exe", bool browser = false, int processFingerprints = 1, int channelFingerprints = 1, long handshakes = 10) =>
        new(knownBad, unique, rarity, new Prevalence(1, 150), process, browser, processFingerprints, channelFingerprints, handshakes);

    private static Ja3Match Trickbot(bool pair) => new(KnownBadJa3.Shipped.Entries.Single(e => e.Name == "Trickbot"), pair);

    public static TheoryData<string, Ja3Evidence, Severity?, string?> Cases => new()
    {
        { "pair", Evidence(Trickbot(true)), Severity.Critical, "known-bad JA3+JA3S pair: Trickbot" },
        { "ja3 alone", Evidence(Trickbot(false)), Severity.High, "its C2 server's JA3S 623de93db17d313345d7ea481e7443cf not seen" },
        { "ja3 alone, unique to a rare destination", Evidence(Trickbot(false), unique: TrickbotJa3), Severity.Critical, "used by this device only" },
        { "unique, steady, rare", Evidence(unique: Other), Severity.Low, "steady over 10 handshakes" },
        { "unique but ordinary destination", Evidence(unique: Other, rarity: DestinationRarity.Ordinary), null, null },
        { "unique but fleet too small", Evidence(unique: Other, rarity: DestinationRarity.Unknown), null, null },
        { "shared fingerprint", Evidence(), null, null },
        { "browser", Evidence(unique: Other, process: "chrome.exe", browser: true), null, null },
        { "randomizing client", Evidence(unique: Other, processFingerprints: 4), null, null },
        { "unsteady channel", Evidence(unique: Other, channelFingerprints: 2), null, null },
        { "too few handshakes", Evidence(unique: Other, handshakes: 2), null, null },
        { "known bad in a browser says why rarity is not used", Evidence(Trickbot(false), unique: TrickbotJa3, process: "chrome.exe", browser: true), Severity.High, "JA3 rarity not used: chrome.exe is a browser" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Assess(string name, Ja3Evidence evidence, Severity? expected, string? reason)
    {
        var assessment = Ja3Analytic.Assess(evidence, TuningFile.Default.Ja3);

        Assert.True(expected == assessment.Severity, $"{name}: {assessment.Severity}");
        if (reason is not null)
            Assert.Contains(assessment.Reasons, r => r.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public void A_users_file_named_in_the_tuning_file_adds_fingerprints()
    {
        _files.Write("intel/ja3.csv", "# ours\nja3,ja3s,name,source\n" + Other + ",,Red team implant,\"exercise 2024-03, ticket SEC-12\"\n");
        var tuning = _files.Write("tuning.yaml", "known_bad:\n  ja3_files: [intel/ja3.csv]\n");

        var file = TuningFile.Load(tuning);

        Assert.Equal("Red team implant", file.KnownBad.Ja3.Match([Other], new HashSet<string>())!.Entry.Name);
        Assert.NotNull(file.KnownBad.Ja3.Match([TrickbotJa3], new HashSet<string>()));
        Assert.Contains("ja3_files:", file.ToYaml(), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_bad_line_of_a_users_file_is_an_error_with_its_line()
    {
        _files.Write("ja3.csv", "ja3,ja3s,name,source\nnot-a-hash,,x,y\n" + Other + ",short,x,y\n" + Other + ",,,y\n" + Other + ",,x,\n" + Other + ",,x,y\n" + Other + ",,x,y\n");
        var tuning = _files.Write("tuning.yaml", "known_bad:\n  ja3_files: [ja3.csv, missing.csv]\n");

        var errors = TuningFile.Validate(tuning);

        Assert.Contains(errors, e => e.Line == 2 && e.Message.Contains("is not 32 hex digits", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Line == 3 && e.Message.StartsWith("ja3s 'short'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Line == 4 && e.Message.StartsWith("name is empty", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Line == 5 && e.Message.StartsWith("source is empty", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Line == 7 && e.Message.Contains("listed twice (first at line 6)", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "known_bad.ja3_files[1]" && e.Message.StartsWith("cannot read 'missing.csv'", StringComparison.Ordinal));
        Assert.Equal(6, errors.Count);
    }
}
