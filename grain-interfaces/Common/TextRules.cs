using System.Buffers;
using System.Globalization;
using System.Text;

namespace Partner;

/// <summary>
/// What text users write may hold. A <em>line</em> (a title, a nickname) holds no control character at all and no
/// bidirectional override, embedding or isolate; a <em>text</em> (a room's content, a comment) may also hold line
/// breaks and tabs. Both refuse unpaired surrogates, and text that shows nothing once whitespace and invisible
/// characters (format characters such as zero-width spaces, BOM, bidi marks, soft hyphens; fillers that render
/// blank) are set aside. Lengths count UTF-16 code units, as the API's request attributes do.
/// </summary>
public static class TextRules
{
    /// <summary>The <c>validation</c> error for a line that breaks the rules; nothing when it keeps them.</summary>
    public static void CheckLine(string field, string? value, int maxLength) => Throw(field, LineProblem(field, value, maxLength));

    /// <summary>The <c>validation</c> error for a text that breaks the rules; nothing when it keeps them.</summary>
    public static void CheckText(string field, string? value, int maxLength) => Throw(field, TextProblem(field, value, maxLength));

    /// <summary>Why <paramref name="value"/> is not an acceptable line, or null when it is.</summary>
    public static string? LineProblem(string field, string? value, int maxLength) => Problem(field, value, maxLength, multiline: false);

    /// <summary>Why <paramref name="value"/> is not an acceptable text, or null when it is.</summary>
    public static string? TextProblem(string field, string? value, int maxLength) => Problem(field, value, maxLength, multiline: true);

    private static void Throw(string field, string? problem)
    {
        if (problem is not null)
        {
            throw Errors.Validation(field, problem);
        }
    }

    private static string? Problem(string field, string? value, int maxLength, bool multiline)
    {
        if (string.IsNullOrEmpty(value))
        {
            return $"{field} is required.";
        }

        if (value.Length > maxLength)
        {
            return $"{field} is at most {maxLength} characters.";
        }

        var visible = false;
        var rest = value.AsSpan();
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out var rune, out var used) != OperationStatus.Done)
            {
                return $"{field} is not valid Unicode (an unpaired surrogate).";
            }

            rest = rest[used..];
            var category = Rune.GetUnicodeCategory(rune);
            if (category == UnicodeCategory.Control && !(multiline && rune.Value is '\n' or '\r' or '\t'))
            {
                return multiline ? $"{field} may not contain control characters other than line breaks and tabs." : $"{field} may not contain control characters.";
            }

            if (!multiline && category is UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                return $"{field} is a single line.";
            }

            // They reorder how the text around them is displayed: in a name or a title, a way to pass for someone or something else.
            if (!multiline && IsBidiOverride(rune))
            {
                return $"{field} may not contain bidirectional override, embedding or isolate characters.";
            }

            visible |= !IsInvisible(rune, category);
        }

        return visible ? null : $"{field} must contain visible characters.";
    }

    private static bool IsBidiOverride(Rune rune) => rune.Value is (>= 0x202A and <= 0x202E) or (>= 0x2066 and <= 0x2069);

    private static bool IsInvisible(Rune rune, UnicodeCategory category) =>
        Rune.IsWhiteSpace(rune)
        || category is UnicodeCategory.Format or UnicodeCategory.Control
        || rune.Value is
            0x034F // combining grapheme joiner
            or 0x115F or 0x1160 or 0x3164 or 0xFFA0 // Hangul fillers, which render as blanks
            or 0x17B4 or 0x17B5 // Khmer inherent vowels, invisible
            or (>= 0x180B and <= 0x180F) // Mongolian variation selectors and vowel separator
            or 0x2800 // braille pattern blank
            or (>= 0xFE00 and <= 0xFE0F) or (>= 0xE0100 and <= 0xE01EF); // variation selectors
}
