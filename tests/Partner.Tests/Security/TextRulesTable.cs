namespace Partner.Tests.Security;

/// <summary>
/// <see cref="TextRules"/> as a table: lines (titles, nicknames) and texts (room content, comments). The rows are not
/// enumerated at discovery: serializing them would turn lone surrogates into U+FFFD.
/// </summary>
public sealed class TextRulesTable
{
    private const int Max = 100;

    public static TheoryData<string, string, bool> Lines() => new()
    {
        { "plain", "Lunch at Gaepo", true },
        { "Hangul", "점심 같이 먹어요", true },
        { "accents and a symbol", "Café ☕", true },
        { "an emoji (surrogate pair)", "\uD83D\uDE00", true },
        { "an emoji sequence joined by ZWJ", "\uD83D\uDC69\u200D\uD83D\uDCBB coding", true },
        { "a zero-width space beside text", "a\u200Bb", true },
        { "longest", new string('x', Max), true },
        { "one too long", new string('x', Max + 1), false },
        { "empty", "", false },
        { "spaces only", "   ", false },
        { "no-break and ideographic spaces", "\u00A0\u3000", false },
        { "zero-width characters only", "\u200B\u200C\u200D\u2060", false },
        { "byte order mark only", "\uFEFF", false },
        { "soft hyphen only", "\u00AD", false },
        { "bidi marks only", "\u200E\u200F", false },
        { "a Hangul filler", "\u3164", false },
        { "halfwidth Hangul filler and braille blank", "\uFFA0\u2800", false },
        { "tag characters only", "\U000E0041\U000E0042", false },
        { "right-to-left override", "invoice\u202Egnp.exe", false },
        { "left-to-right embedding", "a\u202Ab", false },
        { "first strong isolate", "a\u2068b\u2069", false },
        { "newline", "two\nlines", false },
        { "carriage return", "two\rlines", false },
        { "tab", "a\tb", false },
        { "NUL", "a\u0000b", false },
        { "escape sequence", "\u001B[31mred", false },
        { "DEL", "a\u007F", false },
        { "C1 control (NEL)", "a\u0085b", false },
        { "line separator", "a\u2028b", false },
        { "paragraph separator", "a\u2029b", false },
        { "lone high surrogate", "a\uD800b", false },
        { "lone low surrogate", "a\uDC00b", false },
        { "high surrogate at the end", "ab\uD83D", false },
    };

    public static TheoryData<string, string, bool> Texts() => new()
    {
        { "plain", "Let's eat together.", true },
        { "several lines", "line one\nline two\r\nline three", true },
        { "a tab", "\tindented", true },
        { "bidi embedding in right-to-left text", "\u05E9\u05DC\u05D5\u05DD \u202Babc\u202C", true },
        { "line separator", "a\u2028b", true },
        { "longest", new string('x', Max), true },
        { "one too long", new string('x', Max + 1), false },
        { "line breaks and tabs only", "\n\r\n\t ", false },
        { "invisible characters and a newline only", "\u200B\n\uFEFF\u00AD", false },
        { "bidi override only", "\u202E", false },
        { "NUL", "a\u0000", false },
        { "bell", "\u0007 ding", false },
        { "escape sequence", "\u001B[2J", false },
        { "vertical tab", "a\u000Bb", false },
        { "form feed", "a\u000Cb", false },
        { "C1 control", "a\u009Bb", false },
        { "lone surrogate", "\uDFFF text", false },
    };

    [Theory]
    [MemberData(nameof(Lines), DisableDiscoveryEnumeration = true)]
    public void LinesAreAcceptedOrRefusedAsTheTableSays(string label, string value, bool accepted) =>
        Assert.True(accepted == (TextRules.LineProblem("title", value, Max) is null), $"{label}: expected {(accepted ? "accepted" : "refused")}, got {TextRules.LineProblem("title", value, Max) ?? "accepted"}");

    [Theory]
    [MemberData(nameof(Texts), DisableDiscoveryEnumeration = true)]
    public void TextsAreAcceptedOrRefusedAsTheTableSays(string label, string value, bool accepted) =>
        Assert.True(accepted == (TextRules.TextProblem("content", value, Max) is null), $"{label}: expected {(accepted ? "accepted" : "refused")}, got {TextRules.TextProblem("content", value, Max) ?? "accepted"}");

    [Fact]
    public void ARefusalIsAValidationErrorNamingTheField()
    {
        var error = Assert.Throws<DomainException>(() => TextRules.CheckLine("nickname", "\u202Eevil", 32));

        Assert.Equal(ErrorCodes.Validation, error.Code);
        Assert.Equal(["nickname"], error.FieldErrors!.Keys);
    }

    [Fact]
    public void NullIsRefusedAsRequired()
    {
        Assert.NotNull(TextRules.LineProblem("title", null, Max));
        Assert.NotNull(TextRules.TextProblem("content", null, Max));
    }
}
