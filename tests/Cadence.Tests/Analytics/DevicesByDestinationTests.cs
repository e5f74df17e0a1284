using Cadence.Analytics;
using Cadence.Channels;

namespace Cadence.Tests.Analytics;

public class DevicesByDestinationTests
{
    /// <summary>
    /// A random fleet: several processes per device reach the same destination (one device, not
    /// several), and destinations range from one device to all of them.
    /// </summary>
    private static ChannelSet RandomFleet(int seed)
    {
        var random = new Random(seed);
        using var grouping = new ChannelGrouping(new ChannelScope(new HashSet<int> { 443 }), TimeSpan.FromHours(24), null);
        for (var i = 0; i < 5000; i++)
        {
            var device = $"ws-{random.Next(60)}";
            var process = $"p{random.Next(4)}.exe";
            // Squared: a few destinations are popular, most are reached by one or two devices.
            var destination = $"d{(int)(Math.Pow(random.NextDouble(), 2) * 800)}.example";
            grouping.Accept(Events.At(Events.T0.AddSeconds(i), device: device, process: process, url: destination));
        }
        return grouping.Complete(null);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public void Counts_each_device_once_per_destination_on_any_number_of_threads(int threads)
    {
        var channels = RandomFleet(threads);
        var expected = channels.Channels.All.ToArray()
            .GroupBy(c => c.Key.Destination)
            .ToDictionary(g => g.Key, g => g.Select(c => c.Key.Device).Distinct().Count());

        var counts = new DevicesByDestination(channels.Channels, threads);

        Assert.True(expected.Values.Max() > 10 && expected.Values.Min() == 1, "the fleet should have popular and lonely destinations");
        Assert.True(channels.Channels.Count > expected.Count, "several processes should share destinations");
        foreach (var (destination, devices) in expected)
            Assert.Equal(devices, counts.Of(destination));
        Assert.Equal(0, counts.Of("never-seen.example"));
    }
}
