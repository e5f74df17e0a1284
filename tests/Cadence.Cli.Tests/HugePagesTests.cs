namespace Cadence.Cli.Tests;

public class HugePagesTests
{
    // A reservation split by commits into neighbouring anonymous mappings, between a file mapping
    // and a named one, as /proc/self/maps lists them.
    private static readonly string[] Maps =
    [
        "55d0c0000000-55d0c0200000 r-xp 00000000 08:01 1234   /usr/bin/cadence",
        "7f0000000000-7f0000400000 rw-p 00000000 00:00 0",
        "7f0000400000-7f4000000000 ---p 00000000 00:00 0 ",
        "7f4000000000-7f4000100000 rw-p 00000000 00:00 0",
        "7f4000200000-7f4000300000 rw-p 00000000 00:00 0",
        "7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]",
    ];

    [Fact]
    public void The_heap_range_is_the_run_of_adjacent_anonymous_mappings_holding_the_address()
    {
        Assert.Equal((0x7f0000000000UL, 0x7f4000100000UL), HugePages.HeapRange(0x7f0000400123, Maps));
        Assert.Equal((0x7f0000000000UL, 0x7f4000100000UL), HugePages.HeapRange(0x7f0000000000, Maps));
        // Past a gap: a run of its own.
        Assert.Equal((0x7f4000200000UL, 0x7f4000300000UL), HugePages.HeapRange(0x7f4000200000, Maps));
    }

    [Theory]
    [InlineData(0x55d0c0000100UL)] // a file mapping
    [InlineData(0x7ffd00000010UL)] // a named mapping
    [InlineData(0x7f4000100000UL)] // in the gap
    [InlineData(0x1000UL)]         // nowhere
    public void Anything_else_is_not_advised(ulong address) =>
        Assert.Equal((0UL, 0UL), HugePages.HeapRange(address, Maps));

    [Fact]
    public void Lines_that_are_not_mappings_are_skipped() =>
        Assert.Equal((0x7f0000000000UL, 0x7f0000400000UL), HugePages.HeapRange(0x7f0000000010, ["garbage", "", "7f0000000000-7f0000400000 rw-p 00000000 00:00 0", "zz-yy rw-p 0 00:00 0"]));

    /// <summary>Where the kernel has transparent huge pages (the advice is refused where it has none).</summary>
    [Fact]
    public void On_linux_the_running_heap_is_found_and_advised()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/sys/kernel/mm/transparent_hugepage/enabled"))
            return;
        Assert.True(HugePages.AdviseManagedHeap() > 0);
    }
}
