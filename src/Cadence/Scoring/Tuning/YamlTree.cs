namespace Cadence.Scoring.Tuning;

/// <summary>
/// A parsed YAML node that remembers where it was written, so an error found after merging the
/// user's file over the default still points at the line the user wrote.
/// </summary>
internal abstract class YamlNode(YamlSource source, long line, long column)
{
    public YamlSource Source { get; } = source;

    public long Line { get; } = line;

    public long Column { get; } = column;

    /// <summary>"a mapping", "a list", "nothing", "'text'": for messages that say what was found instead.</summary>
    public abstract string Describe();
}

/// <summary>The file a node came from; <see cref="IsDefault"/> for the embedded one.</summary>
internal sealed record YamlSource(string File, bool IsDefault);

internal sealed class YamlScalar(YamlSource source, long line, long column, string value, bool quoted)
    : YamlNode(source, line, column)
{
    public string Value { get; } = value;

    /// <summary>Written in quotes: always text, never a number or null (YAML's core schema).</summary>
    public bool Quoted { get; } = quoted;

    /// <summary>Full-line comments directly above a key (what the default file says about it).</summary>
    public IReadOnlyList<string> Comments { get; init; } = [];

    public bool IsNull => !Quoted && Value is "" or "~" or "null" or "Null" or "NULL";

    public override string Describe() => IsNull ? "nothing" : Quoted ? $"the quoted text {Quote(Value)}" : Quote(Value);

    internal static string Quote(string value) => value.Length <= 40 ? $"'{value}'" : $"'{value[..37]}...'";
}

internal sealed class YamlMapping(YamlSource source, long line, long column) : YamlNode(source, line, column)
{
    public List<KeyValuePair<YamlScalar, YamlNode>> Entries { get; } = [];

    public override string Describe() => "a mapping";

    public YamlNode? Get(string key)
    {
        foreach (var (k, v) in Entries)
        {
            if (k.Value == key)
                return v;
        }
        return null;
    }
}

internal sealed class YamlSequence(YamlSource source, long line, long column) : YamlNode(source, line, column)
{
    public List<YamlNode> Items { get; } = [];

    public override string Describe() => "a list";
}

/// <summary>Every error of one load, capped so a hostile file cannot make the report itself huge.</summary>
internal sealed class TuningErrors
{
    internal const int MaxReported = 100;

    private readonly List<TuningError> _errors = [];
    private int _dropped;

    public int Count => _errors.Count + _dropped;

    public void Add(YamlNode node, string path, string message) => Add(node.Source.File, node.Line, node.Column, path, message);

    public void Add(string file, long line, long column, string path, string message)
    {
        if (_errors.Count < MaxReported)
            _errors.Add(new TuningError(file, line, column, path, message));
        else
            _dropped++;
    }

    public IReadOnlyList<TuningError> ToList()
    {
        var ordered = _errors
            .Select((error, index) => (error, index))
            .OrderBy(e => e.error.File, StringComparer.Ordinal)
            .ThenBy(e => e.error.Line)
            .ThenBy(e => e.error.Column)
            .ThenBy(e => e.index)
            .Select(e => e.error)
            .ToList();
        if (_dropped > 0)
            ordered.Add(new TuningError(ordered[^1].File, 0, 0, "", $"{_dropped} more errors not shown (the first {MaxReported} are)"));
        return ordered;
    }
}
