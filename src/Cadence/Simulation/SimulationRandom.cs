namespace Cadence.Simulation;

/// <summary>
/// The simulator's random numbers: xoshiro256** seeded through SplitMix64, so a seed gives the
/// same sequence on every runtime (System.Random promises no such thing across .NET versions).
/// </summary>
/// <remarks>
/// Every channel of every device draws from a stream of its own, derived from (seed, device,
/// stream): a channel's events do not depend on how many others were generated before it, so
/// adding a profile does not reshuffle the rest of the fleet. The distributions use Math.Log and
/// Math.Cos, which may differ in the last bit between CPU architectures; on one platform the
/// output is byte-for-byte repeatable.
/// </remarks>
internal sealed class SimulationRandom
{
    private ulong _s0, _s1, _s2, _s3;

    private SimulationRandom(ulong seed)
    {
        _s0 = SplitMix(ref seed);
        _s1 = SplitMix(ref seed);
        _s2 = SplitMix(ref seed);
        _s3 = SplitMix(ref seed);
    }

    /// <summary>An independent stream for (seed, device, stream).</summary>
    public static SimulationRandom For(long seed, int device, int stream) =>
        new(Mix(Mix(Mix((ulong)seed) ^ (ulong)(uint)device) ^ ((ulong)(uint)stream << 32)));

    /// <summary>A stable 64-bit hash of a seed and a text (names, not security).</summary>
    public static ulong Hash(long seed, string text)
    {
        var h = Mix((ulong)seed ^ 0x9E3779B97F4A7C15UL);
        foreach (var c in text)
            h = Mix(h ^ c);
        return h;
    }

    public ulong NextUInt64()
    {
        var result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [min, max).</summary>
    public double Uniform(double min, double max) => min + (max - min) * NextDouble();

    /// <summary>Uniform integer in [min, max] (both included).</summary>
    public int Between(int min, int max) => min + (int)(NextUInt64() % (ulong)(max - min + 1));

    public bool Chance(double probability) => NextDouble() < probability;

    public T Pick<T>(IReadOnlyList<T> items) => items[(int)(NextUInt64() % (ulong)items.Count)];

    /// <summary>Standard normal (Box-Muller).</summary>
    public double Normal()
    {
        var u1 = 1.0 - NextDouble();
        var u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    public double Normal(double mean, double deviation) => mean + deviation * Normal();

    /// <summary>Exponential with the given mean: the gaps of a Poisson process.</summary>
    public double Exponential(double mean) => -mean * Math.Log(1.0 - NextDouble());

    /// <summary>Log-normal with the given median and shape (sigma of the log).</summary>
    public double LogNormal(double median, double sigma) => median * Math.Exp(sigma * Normal());

    /// <summary>Pareto (heavy tail) with the given minimum and tail index, capped: most gaps short, a few very long.</summary>
    public double Pareto(double minimum, double alpha, double cap) => Math.Min(cap, minimum / Math.Pow(1.0 - NextDouble(), 1.0 / alpha));

    /// <summary>Rank in [0, count) with Zipf-like popularity (rank 0 most popular).</summary>
    public int Zipf(int count, double exponent)
    {
        // Inverse of the continuous approximation; exact Zipf is not needed for browsing noise.
        var u = NextDouble();
        var x = Math.Pow(count + 1.0, 1.0 - exponent);
        var rank = Math.Pow(u * (x - 1.0) + 1.0, 1.0 / (1.0 - exponent)) - 1.0;
        return Math.Clamp((int)rank, 0, count - 1);
    }

    /// <summary>Random lower-case hex, for ids that look like Defender's and Zeek's.</summary>
    public string Hex(int length)
    {
        Span<char> chars = stackalloc char[length];
        for (var i = 0; i < length; i++)
            chars[i] = "0123456789abcdef"[(int)(NextUInt64() >> 60)];
        return new string(chars);
    }

    private static ulong SplitMix(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        return Mix(state);
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
