using Cadence.Analytics.UserAgents;

namespace Cadence.Tests.Analytics.UserAgents;

public class KnownUserAgentsTests
{
    [Fact]
    public void Shipped_list_has_the_atomic_red_team_strings_and_the_framework_defaults_each_with_a_source()
    {
        var entries = KnownUserAgents.ShippedEntries;
        Assert.All(entries, e => Assert.False(string.IsNullOrWhiteSpace(e.Source)));
        Assert.All(entries, e => Assert.False(string.IsNullOrWhiteSpace(e.Note)));
        var known = new KnownUserAgents(entries);

        foreach (var atomic in new[] { "HttpBrowser/1.0", "Wget/1.9+cvs-stable (Red Hat modified)", "Opera/8.81 (Windows NT 6.0; U; en)", "*<|>*" })
        {
            var entry = known.Match(atomic);
            Assert.NotNull(entry);
            Assert.Equal(UserAgentWeight.High, entry.Alone);
            Assert.Contains("T1071.001", entry.Source, StringComparison.Ordinal);
        }

        // Each framework's published default, and the file that publishes it.
        (string Agent, string Source)[] defaults =
        [
            ("Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko", "BC-SECURITY/Empire"),
            ("Mozilla/5.0 (Windows NT 6.1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/41.0.2228.0 Safari/537.36", "cobbr/Covenant"),
            ("Mozilla/5.0 (Windows NT 6.3; Trident/7.0; rv:11.0) like Gecko", "MythicC2Profiles/http"),
        ];
        foreach (var (agent, source) in defaults)
        {
            var entry = known.Match(agent);
            Assert.NotNull(entry);
            // Each is also a real browser's user agent: it counts only with another signal.
            Assert.Equal(UserAgentWeight.None, entry.Alone);
            Assert.Equal(UserAgentMatch.Exact, entry.Match);
            Assert.Contains(source, entry.Source, StringComparison.Ordinal);
        }
    }

    [Theory]
    // The seed rule's SuspiciousUserAgents, each still matched as a case-insensitive substring.
    [InlineData("Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 6.1; Trident/5.0)", UserAgentWeight.None)]
    [InlineData("Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 10.0; WOW64; Trident/7.0)", UserAgentWeight.None)]
    [InlineData("Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; MALCJS; rv:11.0) like Gecko", UserAgentWeight.None)]
    [InlineData("Microsoft WinHTTP Loader", UserAgentWeight.Low)]
    [InlineData("Go-http-client/1.1", UserAgentWeight.Low)]
    [InlineData("python-requests/2.31.0", UserAgentWeight.Low)]
    [InlineData("Java/1.8.0_391", UserAgentWeight.Low)]
    [InlineData("cobaltstrike beacon", UserAgentWeight.High)]
    [InlineData("Wget/1.21.2", UserAgentWeight.Low)]
    [InlineData("curl/7.81.0", UserAgentWeight.Low)]
    public void Seed_entries_match_as_substrings_ignoring_case(string agent, UserAgentWeight weight)
    {
        var entry = new KnownUserAgents(KnownUserAgents.ShippedEntries).Match(agent);
        Assert.NotNull(entry);
        Assert.Equal(weight, entry.Alone);
    }

    [Theory]
    [InlineData("pattern,match,alone,source\n", "header")]
    [InlineData("pattern,match,alone,source,note\nabc,regex,high,x,y\n", "match must be")]
    [InlineData("pattern,match,alone,source,note\nabc,exact,maybe,x,y\n", "alone must be")]
    [InlineData("pattern,match,alone,source,note\nab,exact,high,x,y\n", "under 3")]
    [InlineData("pattern,match,alone,source,note\nabc,exact,high,,y\n", "source")]
    [InlineData("pattern,match,alone,source,note\n\"abc,exact,high,x,y\n", "quotes")]
    [InlineData("pattern,match,alone,source,note\nabc,exact,high,x\n", "4 fields")]
    public void A_malformed_file_names_its_line(string csv, string message)
    {
        var error = Assert.Throws<InvalidDataException>(() => KnownUserAgents.Parse(csv, "t.csv"));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("t.csv:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Quoted_fields_keep_their_commas_and_quotes()
    {
        var entries = KnownUserAgents.Parse("# c\npattern,match,alone,source,note\n\"a, \"\"b\"\"\",exact,low,src,\"x, y\"\r\n", "t.csv");
        var entry = Assert.Single(entries);
        Assert.Equal("a, \"b\"", entry.Pattern);
        Assert.Equal("x, y", entry.Note);
    }
}
