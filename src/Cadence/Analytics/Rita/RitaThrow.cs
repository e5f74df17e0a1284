namespace Cadence.Analytics.Rita;

/// <summary>The Rita scorers' throw paths, kept out of their loops.</summary>
internal static class RitaThrow
{
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public static void EmptySample() =>
        throw new ArgumentException("a median needs at least one value, Tukey hinges at least two");

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public static void BytesNotParallel(int timestamps, int bytes) =>
        throw new ArgumentException(
            $"originatorIpBytes must be empty (unknown) or hold one value per timestamp: {bytes} values for {timestamps} timestamps",
            "originatorIpBytes");

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public static void DataStartAfterLatest(long dataStart, long latest) =>
        throw new ArgumentOutOfRangeException(
            "dataStartSeconds", dataStart, $"the data cannot start after its latest connection ({latest})");
}
