using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Cadence.Scoring.Tuning;

/// <summary>
/// Reads YAML into <see cref="YamlNode"/>s with hostile input bounded: no anchors or aliases (the
/// "billion laughs" expands a few hundred bytes into gigabytes through them), a nesting limit
/// checked as the parser streams (YamlDotNet's scanner is quadratic in nesting depth: 50,000
/// nested '[' took 8 s, so a 4 MB file of them would never finish), and a cap on values.
/// </summary>
internal static class YamlTreeReader
{
    /// <summary>The tuning schema nests 4 deep (allowlist, entry, processes, item); 16 leaves room for a mistake to be reported rather than refused.</summary>
    internal const int MaxDepth = 16;

    /// <summary>
    /// A known_bad feed of a few hundred thousand indicators fits; a 4 MB file of one-character
    /// list items (2 million) does not, so memory stays near 100 bytes a value times this.
    /// </summary>
    internal const int MaxValues = 500_000;

    /// <summary>Parses <paramref name="text"/>; null when it is not usable YAML (the errors say why).</summary>
    public static YamlNode? Read(string text, YamlSource source, TuningErrors errors, bool withComments)
    {
        var lines = withComments ? text.Split('\n') : null;
        var scanner = new Scanner(new StringReader(text), skipComments: true);
        var parser = new Parser(scanner);
        var frames = new Stack<Frame>();
        YamlNode? root = null;
        var documents = 0;
        var values = 0;
        var refused = false;
        var abort = false;
        try
        {
            while (parser.MoveNext())
            {
                if (abort || errors.Count >= TuningErrors.MaxReported)
                    return null;
                var current = parser.Current!;
                switch (current)
                {
                    case DocumentStart start:
                        if (++documents > 1)
                        {
                            errors.Add(source.File, start.Start.Line, start.Start.Column, "", "only one YAML document is allowed (remove the second '---')");
                            return null;
                        }
                        continue;
                    case AnchorAlias alias:
                        errors.Add(source.File, alias.Start.Line, alias.Start.Column, "", $"aliases (*{Short(alias.Value.Value)}) are not allowed: write the value out");
                        refused = true;
                        // Stands in for the alias so the structure stays whole and later errors still show.
                        Add(new YamlScalar(source, alias.Start.Line, alias.Start.Column, "", quoted: false));
                        continue;
                    case NodeEvent node when !node.Anchor.IsEmpty:
                        errors.Add(source.File, node.Start.Line, node.Start.Column, "", $"anchors (&{Short(node.Anchor.Value)}) are not allowed: write each value out");
                        refused = true;
                        break;
                    case NodeEvent node when !node.Tag.IsEmpty:
                        errors.Add(source.File, node.Start.Line, node.Start.Column, "", $"tags ({Short(node.Tag.Value)}) are not allowed: values are typed by their key");
                        refused = true;
                        break;
                }

                switch (current)
                {
                    case Scalar scalar:
                        if (++values > MaxValues)
                            return TooMany(scalar);
                        Add(new YamlScalar(source, scalar.Start.Line, scalar.Start.Column, scalar.Value, scalar.Style is not ScalarStyle.Plain)
                        {
                            Comments = lines is not null && frames.TryPeek(out var top) && top.Node is YamlMapping && top.PendingKey is null
                                ? CommentsAbove(lines, scalar.Start.Line)
                                : [],
                        });
                        break;
                    case SequenceStart start:
                        if (!Open(new YamlSequence(source, start.Start.Line, start.Start.Column)))
                            return null;
                        break;
                    case MappingStart start:
                        if (!Open(new YamlMapping(source, start.Start.Line, start.Start.Column)))
                            return null;
                        break;
                    case SequenceEnd or MappingEnd:
                        frames.Pop();
                        break;
                }
            }
        }
        catch (YamlException ex)
        {
            errors.Add(source.File, ex.Start.Line, ex.Start.Column, "", $"not valid YAML: {ex.Message}");
            return null;
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or IndexOutOfRangeException)
        {
            // YamlDotNet 18 throws InvalidOperationException for some malformed flow collections
            // ("a: [1, 2" followed by a key) instead of a YamlException.
            var at = scanner.CurrentPosition;
            errors.Add(source.File, at.Line, at.Column, "", "not valid YAML here (a '[' or '{' left unclosed is the usual cause)");
            return null;
        }
        return refused || abort ? null : root;

        bool Open(YamlNode node)
        {
            if (frames.Count >= MaxDepth)
            {
                errors.Add(source.File, node.Line, node.Column, "", $"nested more than {MaxDepth} deep: not a tuning file");
                return false;
            }
            if (++values > MaxValues)
            {
                TooMany(null);
                return false;
            }
            Add(node);
            frames.Push(new Frame(node));
            return true;
        }

        YamlNode? TooMany(ParsingEvent? at)
        {
            var position = at?.Start ?? scanner.CurrentPosition;
            errors.Add(source.File, position.Line, position.Column, "", $"more than {MaxValues:N0} values: not a tuning file");
            return null;
        }

        void Add(YamlNode node)
        {
            if (frames.Count == 0)
            {
                root = node;
                return;
            }
            var frame = frames.Peek();
            if (frame.Node is YamlSequence sequence)
            {
                sequence.Items.Add(node);
                return;
            }
            var mapping = (YamlMapping)frame.Node;
            if (frame.PendingKey is null)
            {
                if (node is YamlScalar key && !key.IsNull)
                {
                    frame.PendingKey = key;
                }
                else
                {
                    // A list or mapping as a key ("? [a, b]: 1") or an empty key. The parse stops
                    // here: "{{{{..." would otherwise report each level.
                    errors.Add(node.Source.File, node.Line, node.Column, "", "a key must be a plain name");
                    abort = true;
                }
                return;
            }
            var pending = frame.PendingKey;
            frame.PendingKey = null;
            if (!frame.Keys.TryAdd(pending.Value, pending))
            {
                var first = frame.Keys[pending.Value];
                errors.Add(pending.Source.File, pending.Line, pending.Column, "", $"duplicate key '{pending.Value}' (first at line {first.Line}): the later one would silently win");
                return;
            }
            mapping.Entries.Add(new(pending, node));
        }
    }

    private static string Short(string name) => name.Length <= 40 ? name : name[..37] + "...";

    /// <summary>The contiguous full-line comments just above <paramref name="line"/> (1-based), without their '#'.</summary>
    private static string[] CommentsAbove(string[] lines, long line)
    {
        var first = (int)line - 1;
        while (first > 0 && lines[first - 1].TrimStart().StartsWith('#'))
            first--;
        var comments = new string[(int)line - 1 - first];
        for (var i = 0; i < comments.Length; i++)
        {
            var text = lines[first + i].Trim().TrimEnd('\r');
            text = text[1..];
            comments[i] = text.StartsWith(' ') ? text[1..] : text;
        }
        return comments;
    }

    private sealed class Frame(YamlNode node)
    {
        public YamlNode Node { get; } = node;

        public YamlScalar? PendingKey { get; set; }

        public Dictionary<string, YamlScalar> Keys { get; } = new(StringComparer.Ordinal);
    }
}
