using System.Diagnostics;
using System.Text;
using Cadence.Scoring.Tuning;

namespace Cadence.Tests.Scoring.Tuning;

/// <summary>
/// A tuning file can come from anyone (a shared repository, a ticket attachment): each test here
/// would hang or exhaust memory without its bound. Each takes under 2 s on an idle 2-core machine;
/// the limit is far above that because a loaded CI machine ran the slowest in 15 s, and without
/// the bounds the cases take minutes to hours.
/// </summary>
public sealed class HostileTuningTests : IDisposable
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(60);

    private readonly TempFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static IReadOnlyList<TuningError> ErrorsWithin(TimeSpan limit, Func<TuningFile> load)
    {
        var clock = Stopwatch.StartNew();
        var errors = Assert.Throws<TuningException>(() => load()).Errors;
        Assert.True(clock.Elapsed < limit, $"took {clock.Elapsed}");
        return errors;
    }

    [Fact]
    public void BillionLaughsIsRefusedAtItsFirstAnchor()
    {
        var yaml = new StringBuilder("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var i = 1; i < 10; i++)
            yaml.Append(CultureInfoInvariant($"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]\n"));
        yaml.Append("known_bad:\n  domains: *a9\n");
        var errors = ErrorsWithin(Quick, () => TuningFile.Parse(yaml.ToString(), "laughs.yaml"));
        Assert.Equal("anchors (&a0) are not allowed: write each value out", errors[0].Message);
        Assert.Equal((1L, 5L), (errors[0].Line, errors[0].Column));
        Assert.Contains(errors, e => e.Message.StartsWith("aliases (*a0)", StringComparison.Ordinal));
        Assert.True(errors.Count <= TuningErrors.MaxReported + 1);
    }

    [Fact]
    public void AFileOverFourMegabytesIsRefusedUnread()
    {
        var path = Path.Combine(_files.Root, "huge.yaml");
        using (var file = File.Create(path))
        {
            file.Write(Encoding.UTF8.GetBytes("known_bad:\n  domains:\n"));
            var line = Encoding.UTF8.GetBytes("    - evil.example\n");
            while (file.Length <= TuningFile.MaxFileBytes)
                file.Write(line);
        }
        var error = Assert.Single(ErrorsWithin(Quick, () => TuningFile.Load(path)));
        Assert.Equal((path, 0L, "larger than 4 MB: not a tuning file"), (error.File, error.Line, error.Message));
    }

    [Fact]
    public void DeepFlowNestingStopsAtTheDepthLimit()
    {
        // YamlDotNet's scanner is quadratic in flow depth: 4 MB of '[' would take hours to parse whole.
        var yaml = "known_bad:\n  domains: " + new string('[', TuningFile.MaxFileBytes - 30);
        var error = Assert.Single(ErrorsWithin(Quick, () => TuningFile.Parse(yaml, "deep.yaml")));
        Assert.Equal($"nested more than {YamlTreeReader.MaxDepth} deep: not a tuning file", error.Message);
    }

    [Fact]
    public void DeepBlockNestingStopsAtTheDepthLimit()
    {
        var yaml = new StringBuilder();
        for (var depth = 0; depth < 2000; depth++)
            yaml.Append(' ', depth).Append("a:\n");
        var error = Assert.Single(ErrorsWithin(Quick, () => TuningFile.Parse(yaml.ToString(), "deep.yaml")));
        Assert.StartsWith("nested more than", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData('{')]
    [InlineData('?')]
    public void CollectionsAsKeysStopTheParseAtTheFirst(char opener)
    {
        var yaml = string.Concat(Enumerable.Repeat(opener + " ", 1_000_000)) + "x";
        var error = Assert.Single(ErrorsWithin(Quick, () => TuningFile.Parse(yaml, "keys.yaml")));
        Assert.Equal("a key must be a plain name", error.Message);
    }

    [Fact]
    public void AScalarOfMegabytesIsOneErrorWithItsEchoShortened()
    {
        var yaml = "known_bad:\n  domains: [\"" + new string('x', 3_000_000) + "\"]\n";
        var error = Assert.Single(ErrorsWithin(Quick, () => TuningFile.Parse(yaml, "long.yaml")));
        Assert.Equal("known_bad.domains[0]", error.Path);
        Assert.True(error.Message.Length < 200, error.Message);
    }

    [Fact]
    public void TooManyValuesAreRefused()
    {
        var yaml = "known_bad:\n  domains: [" + string.Join(",", Enumerable.Repeat("a.b", 600_000)) + "]\n";
        var error = Assert.Single(ErrorsWithin(Quick, () => TuningFile.Parse(yaml, "many.yaml")));
        Assert.Equal("more than 500,000 values: not a tuning file", error.Message);
    }

    [Fact]
    public void AFeedOfAHundredThousandIndicatorsLoads()
    {
        var yaml = new StringBuilder("known_bad:\n  domains:\n");
        for (var i = 0; i < 100_000; i++)
            yaml.Append(CultureInfoInvariant($"    - c2-{i}.evil.example\n"));
        var clock = Stopwatch.StartNew();
        var tuning = TuningFile.Parse(yaml.ToString(), "feed.yaml");
        Assert.True(clock.Elapsed < Quick, $"took {clock.Elapsed}");
        Assert.Equal(100_000, tuning.KnownBad.Domains.Count);
        Assert.True(tuning.KnownBad.Matches("beacon.c2-99999.evil.example", null));
    }

    [Fact]
    public void ThousandsOfErrorsAreCappedInTheReport()
    {
        var yaml = "known_bad:\n  ips: [" + string.Join(", ", Enumerable.Repeat("not-an-ip", 5000)) + "]\n";
        var errors = ErrorsWithin(Quick, () => TuningFile.Parse(yaml, "noisy.yaml"));
        Assert.Equal(TuningErrors.MaxReported + 1, errors.Count);
        Assert.Equal("4900 more errors not shown (the first 100 are)", errors[^1].Message);
    }

    [Fact]
    public void ThousandsOfDuplicateKeysStayLinear()
    {
        var yaml = new StringBuilder("severity:\n");
        for (var i = 0; i < 200_000; i++)
            yaml.Append(CultureInfoInvariant($"  k{i % 100_000}: 1\n"));
        var errors = ErrorsWithin(Quick, () => TuningFile.Parse(yaml.ToString(), "dupes.yaml"));
        Assert.Equal(TuningErrors.MaxReported, errors.Count);
    }

    private static string CultureInfoInvariant(FormattableString text) => text.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
