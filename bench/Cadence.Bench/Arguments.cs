using System.Globalization;

namespace Cadence.Bench;

/// <summary>
/// The few option shapes the bench verbs need (<c>--name value</c>, flags, positionals, and
/// everything after <c>--</c> taken verbatim), so the harness carries no CLI framework of its own.
/// </summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, string> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    private Arguments()
    {
    }

    public List<string> Positionals { get; } = [];

    /// <summary>Everything after a bare <c>--</c>, untouched: the command line of a measured child.</summary>
    public List<string> Rest { get; } = [];

    /// <param name="args">The verb's arguments, without the verb.</param>
    /// <param name="flagNames">Options that take no value; every other <c>--name</c> takes the next argument.</param>
    public static Arguments Parse(IReadOnlyList<string> args, params string[] flagNames)
    {
        var parsed = new Arguments();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                parsed.Rest.AddRange(args.Skip(i + 1));
                break;
            }
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                parsed.Positionals.Add(arg);
                continue;
            }
            var name = arg[2..];
            if (flagNames.Contains(name))
            {
                parsed._flags.Add(name);
                continue;
            }
            if (i + 1 >= args.Count)
                throw new UsageException($"option --{name} needs a value");
            parsed._options[name] = args[++i];
        }
        return parsed;
    }

    public bool Flag(string name)
    {
        _read.Add(name);
        return _flags.Contains(name);
    }

    public string? Text(string name)
    {
        _read.Add(name);
        return _options.GetValueOrDefault(name);
    }

    public string RequiredText(string name) => Text(name) ?? throw new UsageException($"option --{name} is required");

    public long Integer(string name, long fallback, long min = long.MinValue, long max = long.MaxValue)
    {
        var text = Text(name);
        if (text is null)
            return fallback;
        // Accept 1_000_000 and 1,000,000 as typed by people reading the README.
        var cleaned = text.Replace("_", "", StringComparison.Ordinal).Replace(",", "", StringComparison.Ordinal);
        if (!long.TryParse(cleaned, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            throw new UsageException($"option --{name} must be an integer between {min} and {max}, got '{text}'");
        return value;
    }

    /// <summary>Fails on options the verb never asked for, so a typo is not silently ignored.</summary>
    public void RejectUnknown()
    {
        var unknown = _options.Keys.Concat(_flags).Where(n => !_read.Contains(n)).Select(n => "--" + n).ToList();
        if (unknown.Count > 0)
            throw new UsageException($"unknown option(s): {string.Join(", ", unknown)}");
    }
}

/// <summary>A command-line mistake: reported without a stack trace, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
