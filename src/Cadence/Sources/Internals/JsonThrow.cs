using System.Text.Json;

namespace Cadence.Sources.Internals;

/// <summary>The JSON readers' throw paths and problem wording, kept out of the row loop.</summary>
internal static class JsonThrow
{
    public static UnreadableInputException Unreadable(string message, Exception? inner = null) => new(message, inner);

    /// <summary>The parser's message without its position, which is relative to the row, not the file.</summary>
    public static string Describe(JsonException ex)
    {
        var message = ex.Message;
        var position = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return position > 0 ? message[..position] : message;
    }

    public static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };
}
