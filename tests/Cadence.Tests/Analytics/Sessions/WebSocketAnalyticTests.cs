using Cadence.Analytics;
using Cadence.Analytics.Sessions;
using Cadence.Scoring;
using Cadence.Scoring.Tuning;

namespace Cadence.Tests.Analytics.Sessions;

public class WebSocketAnalyticTests
{
    // Default prevalence rules: rare at <= 2 devices or <= 2 %, common at >= 5 devices and >= the share in the tuning file.
    [Theory]
    [InlineData(1, 150, DestinationRarity.Rare)]
    [InlineData(3, 150, DestinationRarity.Rare)]
    [InlineData(1, 9, DestinationRarity.Unknown)]
    [InlineData(9, 9, DestinationRarity.Unknown)]
    [InlineData(140, 150, DestinationRarity.Common)]
    public void Rarity_follows_the_tuning_file_and_the_policys_floor(int devices, int fleet, DestinationRarity expected) =>
        Assert.Equal(expected, Rarity.Of(new Prevalence(devices, fleet), TuningFile.Default.Prevalence));

    [Theory]
    [InlineData(0, DestinationRarity.Rare, null)]
    [InlineData(1, DestinationRarity.Rare, Severity.Medium)]
    [InlineData(8, DestinationRarity.Rare, Severity.Medium)]
    [InlineData(3, DestinationRarity.Ordinary, Severity.Low)]
    [InlineData(3, DestinationRarity.Unknown, Severity.Low)]
    [InlineData(50, DestinationRarity.Common, null)]
    public void An_upgrade_is_a_finding_by_how_rare_its_destination_is(long upgrades, DestinationRarity rarity, Severity? expected)
    {
        var assessment = WebSocketAnalytic.Assess(upgrades, rarity, new Prevalence(1, 150));

        Assert.Equal(expected, assessment.Severity);
        if (expected is null)
            Assert.Empty(assessment.Reasons);
        else
            Assert.Contains(assessment.Reasons, r => r.Contains("WebSocket upgrade", StringComparison.Ordinal));
    }

    [Fact]
    public void A_small_fleet_says_it_cannot_tell()
    {
        var assessment = WebSocketAnalytic.Assess(2, DestinationRarity.Unknown, new Prevalence(1, 3));

        Assert.Contains(assessment.Reasons, r => r.Contains("too few devices in the data (3)", StringComparison.Ordinal));
    }
}
