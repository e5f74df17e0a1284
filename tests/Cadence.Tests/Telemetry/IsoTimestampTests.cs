using Cadence.Telemetry;

namespace Cadence.Tests.Telemetry;

public class IsoTimestampTests
{
    [Theory]
    [InlineData("2023-12-21T17:33:44Z", 0)]
    [InlineData("2023-12-21T17:33:44.6Z", 6_000_000)]
    [InlineData("2023-12-21T17:33:44.66Z", 6_600_000)]
    [InlineData("2023-12-21T17:33:44.663Z", 6_630_000)]
    [InlineData("2023-12-21T17:33:44.6630001Z", 6_630_001)]
    [InlineData("2023-12-21T17:33:44.7688641Z", 7_688_641)]
    [InlineData("2023-12-21 17:33:44.663Z", 6_630_000)]
    [InlineData("2023-12-21T17:33:44.663", 6_630_000)]
    public void ParsesZeroToSevenFractionalDigitsAtFullPrecision(string text, long fractionTicks)
    {
        Assert.True(IsoTimestamp.TryParseUtcTicks(text, out var ticks));
        Assert.Equal(new DateTime(2023, 12, 21, 17, 33, 44, DateTimeKind.Utc).Ticks + fractionTicks, ticks);
    }

    [Theory]
    [InlineData("2023-12-21T19:33:44.663+02:00")]
    [InlineData("2023-12-21T19:33:44.663+0200")]
    [InlineData("2023-12-21T12:03:44.663-05:30")]
    public void ConvertsOffsetsToUtc(string text)
    {
        Assert.True(IsoTimestamp.TryParseUtcTicks(text, out var ticks));
        Assert.Equal(new DateTime(2023, 12, 21, 17, 33, 44, 663, DateTimeKind.Utc).Ticks, ticks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("yesterday")]
    [InlineData("2023-13-21T17:33:44Z")]
    [InlineData("2023-02-30T17:33:44Z")]
    [InlineData("2023-12-21T24:00:00Z")]
    [InlineData("2023-12-21T17:33:44.Z")]
    [InlineData("2023-12-21T17:33:44.12345678Z")]
    [InlineData("2023-12-21T17:33:44Q")]
    [InlineData("2023-12-21T17:33:44Z trailing")]
    [InlineData("12/21/2023 17:33:44")]
    public void RejectsWhatIsNotAnIsoTimestamp(string text) => Assert.False(IsoTimestamp.TryParseUtcTicks(text, out _));

    [Fact]
    public void FormatsWithSevenDigitsAndZ() =>
        Assert.Equal("2023-12-21T17:33:44.6630000Z", IsoTimestamp.Format(new DateTime(2023, 12, 21, 17, 33, 44, 663, DateTimeKind.Utc).Ticks));

    [Fact]
    public void DateTicksAgreeWithDateTimeOnEveryDayOfTheCalendarsEdges()
    {
        // Every day of years around leap-year rules (1, 4, 100, 400) and the far end of the range.
        foreach (var year in new[] { 1, 2, 4, 100, 1600, 1900, 2000, 2023, 2024, 2100, 9999 })
        {
            for (var day = new DateTime(year, 1, 1); day.Year == year; day = day.AddDays(1))
            {
                Assert.Equal(day.Ticks, IsoTimestamp.DateTicks(day.Year, day.Month, day.Day));
                if (day == DateTime.MaxValue.Date)
                    break;
            }
        }
    }

    [Theory]
    [InlineData("2024-02-29T23:59:59.9999999Z")]
    [InlineData("0001-01-01T00:00:00Z")]
    [InlineData("9999-12-31T23:59:59.9999999Z")]
    [InlineData("2023-03-01T12:34:56.7+02:00")]
    public void ParsesAsTheBaseClassLibraryDoes(string text)
    {
        Assert.True(IsoTimestamp.TryParseUtcTicks(text, out var ticks));
        var expected = DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture).UtcTicks;
        Assert.Equal(expected, ticks);
    }

    [Fact]
    public void ADateRememberedFromTheRowBeforeNeverStandsInForAnotherDate()
    {
        // The parser remembers the last date it read; a day that exists only in a leap year, a
        // date differing in its last character, and the same date again must each be judged on
        // their own.
        Assert.True(IsoTimestamp.TryParseUtcTicks("2024-02-29T10:00:00Z", out var leap));
        Assert.Equal(new DateTime(2024, 2, 29, 10, 0, 0, DateTimeKind.Utc).Ticks, leap);
        Assert.False(IsoTimestamp.TryParseUtcTicks("2023-02-29T10:00:00Z", out _));
        Assert.True(IsoTimestamp.TryParseUtcTicks("2024-02-29T23:59:59.5Z", out var again));
        Assert.Equal(new DateTime(2024, 2, 29, 23, 59, 59, 500, DateTimeKind.Utc).Ticks, again);
        Assert.True(IsoTimestamp.TryParseUtcTicks("2024-02-28T00:00:00Z", out var before));
        Assert.Equal(new DateTime(2024, 2, 28, 0, 0, 0, DateTimeKind.Utc).Ticks, before);
        Assert.False(IsoTimestamp.TryParseUtcTicks("2024-02-28T24:00:00Z", out _));
    }

    [Fact]
    public void RandomTimestampsInAnyOrderParseAsTheBaseClassLibraryDoes()
    {
        var random = new Random(11);
        var days = new[] { new DateTime(2024, 3, 25), new DateTime(2024, 3, 26), new DateTime(1999, 12, 31), new DateTime(2000, 2, 29) };
        for (var i = 0; i < 5_000; i++)
        {
            var day = days[random.Next(days.Length)];
            var at = day.AddTicks(random.NextInt64(TimeSpan.TicksPerDay));
            var digits = random.Next(8);
            var text = at.ToString("yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)
                + (digits == 0 ? "" : "." + at.ToString("fffffff", System.Globalization.CultureInfo.InvariantCulture)[..digits]) + "Z";
            var expected = DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture).UtcTicks;
            Assert.True(IsoTimestamp.TryParseUtcTicks(text, out var ticks), text);
            Assert.Equal(expected, ticks);
        }
    }
}
