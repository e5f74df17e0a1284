using Cadence.Scoring.Tuning;

namespace Cadence.Tests.Scoring.Tuning;

public sealed class TuningYamlTests
{
    [Fact]
    public void TheDefaultWrittenOutReadsBackTheSame()
    {
        var yaml = TuningFile.Default.ToYaml();
        Assert.Equal(TuningFile.Default, TuningFile.Parse(yaml, "shown.yaml"));
        Assert.Equal(yaml, TuningFile.Parse(yaml, "shown.yaml").ToYaml());
    }

    [Fact]
    public void TheWrittenFileCarriesTheDefaultFilesComments()
    {
        var yaml = TuningFile.Default.ToYaml();
        Assert.StartsWith("# Cadence tuning file:", yaml, StringComparison.Ordinal);
        Assert.Contains("  # Cobalt Strike at its maximum jitter (50 %) beaconing all day scores about 0.83", yaml, StringComparison.Ordinal);
        Assert.Contains("\n  high: 0.80\n", yaml, StringComparison.Ordinal);
        Assert.Contains("\n  web_ports: [80, 443, 8080, 8443]\n", yaml, StringComparison.Ordinal);
        Assert.Contains("\n  - { at_least: 12h, severity: critical }\n", yaml, StringComparison.Ordinal);
        Assert.Contains("\n  - name: browser-webmail-refresh\n    class: browser-refresh\n", yaml, StringComparison.Ordinal);
        Assert.Contains("\n  - contains: \"iwr \"\n    reason: \"Alias of Invoke-WebRequest;", yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void AnOverriddenConfigurationWrittenOutReadsBackTheSame()
    {
        var tuning = TuningFile.Parse("""
            beacon: { duplicate_gap: 0.25s, web_ports: [] }
            long_connections: [{ at_least: 1d12h30m1.5s, severity: high }]
            known_bad: { domains: [evil.example], ips: ["2001:db8::/32", 203.0.113.7] }
            suspicious_processes:
              - { name: "true", reason: "a name YAML would read as a boolean" }
              - { name: "7z.exe", reason: "quotes \" backslashes \\ and a bidi override \u202E inside" }
              - { name: "-dash", reason: "#hash: colon, comma [brackets] {braces}" }
            """, "user.yaml");
        var yaml = tuning.ToYaml();
        Assert.Equal(tuning, TuningFile.Parse(yaml, "shown.yaml"));
        Assert.Contains("duplicate_gap: 0.25s", yaml, StringComparison.Ordinal);
        Assert.Contains("- { at_least: 1d12h30m1.5s, severity: high }", yaml, StringComparison.Ordinal);
        Assert.Contains("\\u202e", yaml, StringComparison.Ordinal);
        Assert.DoesNotContain("\u202E", yaml, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, "1s")]
    [InlineData(0.5, "0.5s")]
    [InlineData(60, "1m")]
    [InlineData(3600, "1h")]
    [InlineData(86400, "1d")]
    [InlineData(90061.25, "1d1h1m1.25s")]
    public void DurationsAreWrittenAsTheFileReadsThem(double seconds, string text) =>
        Assert.Equal(text, DurationFormat.Format(TimeSpan.FromSeconds(seconds)));
}
