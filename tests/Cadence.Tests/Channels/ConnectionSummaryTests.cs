using Cadence.Channels;

namespace Cadence.Tests.Channels;

public class ConnectionSummaryTests
{
    [Theory]
    [InlineData(new[] { "a" }, 1)]
    [InlineData(new[] { "a", "a", "" }, 2)]
    [InlineData(new[] { "", "a", "", "a" }, 2)]
    [InlineData(new[] { "a", "b", "a", "c", "b" }, 3)]
    [InlineData(new[] { "a", "b", "c", "d", "e", "a" }, 5)]
    public void CountsDistinctUrlsExactlyWhereverTheyAreKept(string[] urls, int distinct)
    {
        var summary = default(ConnectionSummary);
        foreach (var url in urls)
            summary.Add(1, null, null, url);
        Assert.Equal(distinct, summary.DistinctUrls);
        Assert.Equal(urls.Length, summary.Count);
    }

    [Fact]
    public void AnEventWithoutAUrlCountsNoUrl()
    {
        var summary = default(ConnectionSummary);
        summary.Add(1, null, null, null);
        Assert.Equal(0, summary.DistinctUrls);
        summary.Add(2, null, null, string.Empty);
        Assert.Equal(1, summary.DistinctUrls);
    }

    [Theory]
    [InlineData("a", "ab", 2)]
    [InlineData("ab", "ba", 2)]
    [InlineData("abc", "cd", 4)]
    [InlineData("abcd", "efg", 7)]
    [InlineData("", "abc", 3)]
    public void MergingSummariesCountsTheUnion(string left, string right, int distinct)
    {
        // Each character is one URL: inline ones (up to two) and a set (from three) on either side.
        var a = default(ConnectionSummary);
        foreach (var url in left)
            a.Add(10, 1, null, url.ToString());
        var b = default(ConnectionSummary);
        foreach (var url in right)
            b.Add(5, 2, null, url.ToString());
        a.Merge(b);
        Assert.Equal(distinct, a.DistinctUrls);
        Assert.Equal(left.Length + right.Length, a.Count);
        Assert.Equal(left.Length + 2L * right.Length, a.BytesSent);
    }
}
