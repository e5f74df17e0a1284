using Cadence.Sources.Internals;

namespace Cadence.Tests.Sources;

public sealed class ByteCountsTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void CountsMatchAByteByByteReferenceHoweverTheBytesAreCutIntoBlocks(int seed)
    {
        // Dense quotes, line feeds and carriage returns (CRLF pairs, lone CRs, CR runs) at every
        // position of the 32- and 64-byte vectors, and blocks cut at random lengths including 0, 1 and 31.
        var random = new Random(seed);
        var alphabet = "\"\n\r,ab"u8.ToArray();
        var bytes = new byte[5_000];
        for (var i = 0; i < bytes.Length; i++)
            bytes[i] = alphabet[random.Next(alphabet.Length)];

        var counts = new ByteCounts();
        var offset = 0;
        while (offset < bytes.Length)
        {
            var length = Math.Min(bytes.Length - offset, random.Next(4) == 0 ? random.Next(3) : random.Next(400));
            counts.Add(bytes.AsSpan(offset, length));
            offset += length;
        }

        long quotes = 0, lineFeeds = 0, lone = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            quotes += bytes[i] == '"' ? 1 : 0;
            lineFeeds += bytes[i] == '\n' ? 1 : 0;
            // The last byte's carriage return is the caller's to judge (it sees the next byte).
            lone += bytes[i] == '\r' && i + 1 < bytes.Length && bytes[i + 1] != '\n' ? 1 : 0;
        }
        Assert.Equal(quotes, counts.Quotes);
        Assert.Equal(lineFeeds, counts.LineBreaks);
        Assert.Equal(lone, counts.LoneCarriageReturns);
        Assert.Equal(bytes[^1] == '\r', counts.EndsWithCarriageReturn);
    }

    [Fact]
    public void ACarriageReturnEndingAVectorIsJudgedByTheNextVectorsFirstByte()
    {
        var crlf = new byte[64];
        Array.Fill(crlf, (byte)'a');
        crlf[31] = (byte)'\r';
        crlf[32] = (byte)'\n';
        var counts = new ByteCounts();
        counts.Add(crlf);
        Assert.Equal(0, counts.LoneCarriageReturns);
        Assert.Equal(1, counts.LineBreaks);

        crlf[32] = (byte)'x';
        counts = new ByteCounts();
        counts.Add(crlf);
        Assert.Equal(1, counts.LoneCarriageReturns);
    }
}
