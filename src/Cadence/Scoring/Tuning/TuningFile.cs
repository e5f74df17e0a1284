using System.Text;

namespace Cadence.Scoring.Tuning;

/// <summary>
/// Every tunable of Cadence's scoring, from one commented YAML file. The defaults live only in the
/// embedded <c>default-tuning.yaml</c>: nothing here has a default value, so the code and the file
/// can never disagree. A user file overrides the default key by key (see docs/tuning.md).
/// </summary>
public sealed record TuningFile(
    SeverityThresholds Severity,
    BeaconTuning Beacon,
    PrevalenceTuning Prevalence,
    LongConnectionTiers LongConnections,
    KnownBad KnownBad,
    SuspiciousProcesses SuspiciousProcesses,
    SuspiciousCommandLines SuspiciousCommandLines,
    BrowserTuning Browsers,
    Ja3Tuning Ja3,
    Allowlist Allowlist)
{
    /// <summary>
    /// Larger than any real tuning file (the default is about 16 KB; a known_bad feed of 100,000
    /// domains about 3 MB) and small enough that parsing it takes well under a second.
    /// </summary>
    public const int MaxFileBytes = 4 << 20;

    /// <summary>How errors in the embedded default would name it.</summary>
    public const string DefaultFileName = "default-tuning.yaml (embedded)";

    private const string ResourceName = "Cadence.Scoring.Tuning.default-tuning.yaml";

    private static readonly Lazy<Embedded> EmbeddedDefault = new(LoadEmbedded);

    /// <summary>The embedded default configuration.</summary>
    public static TuningFile Default => EmbeddedDefault.Value.File;

    /// <summary>The embedded default file, comments and all.</summary>
    public static string DefaultYaml => EmbeddedDefault.Value.Text;

    /// <summary>
    /// The effective configuration: the embedded default overridden by the file at
    /// <paramref name="path"/>. Throws <see cref="TuningException"/> with every error found.
    /// </summary>
    public static TuningFile Load(string path)
    {
        var errors = new TuningErrors();
        var text = ReadBounded(path, errors);
        return text is null ? throw new TuningException(errors.ToList()) : Parse(text, path);
    }

    /// <summary>As <see cref="Load"/>, for YAML already in memory; <paramref name="fileName"/> is what errors call it.</summary>
    public static TuningFile Parse(string yaml, string fileName)
    {
        var errors = new TuningErrors();
        var file = TryParse(yaml, fileName, errors);
        return file ?? throw new TuningException(errors.ToList());
    }

    /// <summary>Every error in the file at <paramref name="path"/> (merged over the default); empty when it is valid.</summary>
    public static IReadOnlyList<TuningError> Validate(string path)
    {
        var errors = new TuningErrors();
        if (ReadBounded(path, errors) is { } text)
            TryParse(text, path, errors);
        return errors.ToList();
    }

    /// <summary>This configuration as a tuning file, with the default file's comment above each key; it validates as it is.</summary>
    public string ToYaml() => TuningYamlWriter.Write(this, EmbeddedDefault.Value.Comments);

    private static TuningFile? TryParse(string yaml, string fileName, TuningErrors errors)
    {
        if (yaml.Length > MaxFileBytes)
        {
            errors.Add(fileName, 0, 0, "", $"larger than {MaxFileBytes >> 20} MB: not a tuning file");
            return null;
        }
        var user = YamlTreeReader.Read(yaml, new YamlSource(fileName, IsDefault: false), errors, withComments: false);
        if (errors.Count > 0 && user is null)
            return null;
        var defaults = EmbeddedDefault.Value.Tree;
        YamlNode merged;
        if (user is null or YamlScalar { IsNull: true })
        {
            merged = defaults; // an empty file, or one with only comments: nothing overridden
        }
        else if (user is YamlMapping)
        {
            merged = Merge(defaults, user);
        }
        else
        {
            errors.Add(user, "", $"expected a mapping of sections (severity:, beacon:, allowlist: ...), got {user.Describe()}");
            return null;
        }
        var file = new TuningBinder(errors).Bind(merged);
        return errors.Count > 0 ? null : file;
    }

    /// <summary>
    /// The user's tree over the default's: mappings merge key by key (recursively), anything else
    /// the user wrote (a value, a list) replaces the default's whole. Keys the default lacks are
    /// kept, for the binder to report as unknown.
    /// </summary>
    internal static YamlNode Merge(YamlNode baseNode, YamlNode overlay)
    {
        if (baseNode is not YamlMapping baseMap || overlay is not YamlMapping overlayMap)
            return overlay;
        var overrides = new Dictionary<string, KeyValuePair<YamlScalar, YamlNode>>(StringComparer.Ordinal);
        foreach (var entry in overlayMap.Entries)
            overrides.TryAdd(entry.Key.Value, entry);
        var merged = new YamlMapping(overlayMap.Source, overlayMap.Line, overlayMap.Column);
        foreach (var (key, value) in baseMap.Entries)
        {
            if (overrides.Remove(key.Value, out var over))
                merged.Entries.Add(new(over.Key, Merge(value, over.Value)));
            else
                merged.Entries.Add(new(key, value));
        }
        foreach (var entry in overlayMap.Entries)
        {
            if (overrides.ContainsKey(entry.Key.Value))
                merged.Entries.Add(entry);
        }
        return merged;
    }

    private static string? ReadBounded(string path, TuningErrors errors)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            // Read to one chunk past the limit instead of trusting Length: a FIFO or a growing file has none.
            using var memory = new MemoryStream();
            var chunk = new byte[81920];
            int n;
            while ((n = stream.Read(chunk)) > 0)
            {
                memory.Write(chunk, 0, n);
                if (memory.Length > MaxFileBytes)
                {
                    errors.Add(path, 0, 0, "", $"larger than {MaxFileBytes >> 20} MB: not a tuning file");
                    return null;
                }
            }
            var buffer = memory.GetBuffer().AsSpan(0, (int)memory.Length);
            return Encoding.UTF8.GetString(buffer.StartsWith(Encoding.UTF8.Preamble) ? buffer[Encoding.UTF8.Preamble.Length..] : buffer);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            errors.Add(path, 0, 0, "", $"cannot read: {ex.Message}");
            return null;
        }
    }

    private sealed record Embedded(string Text, YamlNode Tree, TuningFile File, IReadOnlyDictionary<string, IReadOnlyList<string>> Comments);

    private static Embedded LoadEmbedded()
    {
        using var stream = typeof(TuningFile).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"the embedded resource {ResourceName} is missing from the build");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var text = reader.ReadToEnd();
        var errors = new TuningErrors();
        var tree = YamlTreeReader.Read(text, new YamlSource(DefaultFileName, IsDefault: true), errors, withComments: true);
        var file = tree is null ? null : new TuningBinder(errors).Bind(tree);
        if (file is null || errors.Count > 0)
            throw new InvalidOperationException("the embedded default tuning file is invalid (a build defect): " + string.Join("; ", errors.ToList()));
        return new Embedded(text, tree!, file, TuningYamlWriter.CollectComments(text, tree!));
    }
}
