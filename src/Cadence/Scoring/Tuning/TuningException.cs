namespace Cadence.Scoring.Tuning;

/// <summary>A tuning file that cannot be used, with every error found in it (not just the first).</summary>
public sealed class TuningException : Exception
{
    public TuningException(IReadOnlyList<TuningError> errors)
        : base(Describe(errors))
    {
        Errors = errors;
    }

    public TuningException()
        : this([])
    {
    }

    public TuningException(string message)
        : base(message)
    {
        Errors = [];
    }

    public TuningException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [];
    }

    /// <summary>In file order; at least one when thrown by the loader.</summary>
    public IReadOnlyList<TuningError> Errors { get; }

    private static string Describe(IReadOnlyList<TuningError> errors) => errors.Count switch
    {
        0 => "invalid tuning file",
        1 => errors[0].ToString(),
        _ => $"{errors.Count} errors in the tuning file; the first: {errors[0]}",
    };
}
