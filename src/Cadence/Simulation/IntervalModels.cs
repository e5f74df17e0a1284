using System.Globalization;

namespace Cadence.Simulation;

/// <summary>
/// How long a channel waits between two connections, in seconds: the sleep-and-jitter rule of a
/// C2 framework or the timer of a benign client. Pure functions of the random stream, so the
/// tests can check each model's bounds and mean without generating a fleet.
/// </summary>
internal abstract record IntervalModel
{
    public abstract double Next(SimulationRandom random);

    /// <summary>The shortest wait the model can give.</summary>
    public abstract double Min { get; }

    /// <summary>The longest wait the model can give (exclusive for half-open ranges).</summary>
    public abstract double Max { get; }

    /// <summary>The long-run mean wait.</summary>
    public abstract double Mean { get; }

    /// <summary>The model in the words the profile list and labels.csv use.</summary>
    public abstract string Describe();

    protected static string S(double seconds) => seconds.ToString("0.###", CultureInfo.InvariantCulture);
}

/// <summary>
/// Cobalt Strike's sleep: jitter only ever shortens the sleep, so the wait is uniform in
/// [S(1-j), S] (the beacon subtracts a random share of up to j of the sleep time).
/// </summary>
internal sealed record CobaltStrikeJitter(double Sleep, double Jitter) : IntervalModel
{
    public override double Next(SimulationRandom random) => Sleep - random.Uniform(0, Sleep * Jitter);

    public override double Min => Sleep * (1 - Jitter);

    public override double Max => Sleep;

    public override double Mean => Sleep * (1 - Jitter / 2);

    public override string Describe() => $"sleep {S(Sleep)} s, jitter {S(Jitter * 100)} % (uniform in [{S(Min)}, {S(Max)}] s)";
}

/// <summary>Sliver's sleep: the interval plus a uniform extra in [0, J) seconds (its --jitter is absolute).</summary>
internal sealed record SliverJitter(double Sleep, double MaxExtra) : IntervalModel
{
    public override double Next(SimulationRandom random) => Sleep + random.Uniform(0, MaxExtra);

    public override double Min => Sleep;

    public override double Max => Sleep + MaxExtra;

    public override double Mean => Sleep + MaxExtra / 2;

    public override string Describe() => $"interval {S(Sleep)} s + uniform [0, {S(MaxExtra)}) s";
}

/// <summary>
/// Symmetric jitter, uniform in [S(1-f), S(1+f)]: Mythic's agents, Covenant's Grunt and
/// Empire's agent vary the sleep both ways by a percentage.
/// </summary>
internal sealed record SymmetricJitter(double Sleep, double Fraction) : IntervalModel
{
    public override double Next(SimulationRandom random) => Fraction == 0 ? Sleep : random.Uniform(Min, Max);

    public override double Min => Sleep * (1 - Fraction);

    public override double Max => Sleep * (1 + Fraction);

    public override double Mean => Sleep;

    public override string Describe() => Fraction == 0 ? $"sleep {S(Sleep)} s, no jitter" : $"sleep {S(Sleep)} s +-{S(Fraction * 100)} %";
}

/// <summary>PoshC2's sleep: symmetric jitter, rounded to whole seconds (its implants sleep in seconds).</summary>
internal sealed record WholeSecondJitter(double Sleep, double Fraction) : IntervalModel
{
    public override double Next(SimulationRandom random) => random.Between((int)Min, (int)Max);

    public override double Min => Math.Ceiling(Sleep * (1 - Fraction) - 1e-9);

    public override double Max => Math.Floor(Sleep * (1 + Fraction) + 1e-9);

    public override double Mean => (Min + Max) / 2;

    public override string Describe() => $"sleep {S(Sleep)} s +-{S(Fraction * 100)} % in whole seconds ({S(Min)} to {S(Max)} s)";
}

/// <summary>A timer with a little scheduling noise: monitoring agents and health probes.</summary>
internal sealed record ClockInterval(double Period, double Deviation) : IntervalModel
{
    public override double Next(SimulationRandom random) => Math.Clamp(random.Normal(Period, Deviation), Min, Max);

    public override double Min => Math.Max(0.001, Period - 4 * Deviation);

    public override double Max => Period + 4 * Deviation;

    public override double Mean => Period;

    public override string Describe() => $"every {S(Period)} s (sd {S(Deviation)} s)";
}

/// <summary>A client whose polls drift a lot: sync clients, updaters (log-normal around a median, clamped).</summary>
internal sealed record LogNormalInterval(double Median, double Sigma, double Floor, double Ceiling) : IntervalModel
{
    public override double Next(SimulationRandom random) => Math.Clamp(random.LogNormal(Median, Sigma), Floor, Ceiling);

    public override double Min => Floor;

    public override double Max => Ceiling;

    public override double Mean => Median * Math.Exp(Sigma * Sigma / 2);

    public override string Describe() => $"log-normal, median {S(Median)} s, sigma {S(Sigma)}, within [{S(Floor)}, {S(Ceiling)}] s";
}

/// <summary>No rhythm: gaps of a Poisson process (exponential), clamped.</summary>
internal sealed record PoissonInterval(double MeanGap, double Floor, double Ceiling) : IntervalModel
{
    public override double Next(SimulationRandom random) => Math.Clamp(random.Exponential(MeanGap), Floor, Ceiling);

    public override double Min => Floor;

    public override double Max => Ceiling;

    public override double Mean => MeanGap;

    public override string Describe() => $"irregular (exponential gaps, mean {S(MeanGap)} s)";
}
