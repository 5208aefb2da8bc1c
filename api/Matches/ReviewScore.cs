using System.Text.Json;
using System.Text.Json.Serialization;

namespace Partner.Api.Matches;

/// <summary>A review line's score as JSON carries it: a number of stars, or the string "ABSENT" (<see cref="Stars"/> null).</summary>
[JsonConverter(typeof(ReviewScoreJsonConverter))]
public readonly record struct ReviewScore(int? Stars)
{
    public const string Absent = "ABSENT";
}

/// <summary>Reads a whole number or "ABSENT" (case-insensitive); anything else fails naming the field. The range is the grain's rule.</summary>
public sealed class ReviewScoreJsonConverter : JsonConverter<ReviewScore>
{
    public override ReviewScore Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Number when reader.TryGetInt32(out var stars) => new ReviewScore(stars),
        JsonTokenType.String when string.Equals(reader.GetString(), ReviewScore.Absent, StringComparison.OrdinalIgnoreCase) => new ReviewScore(null),
        _ => throw new JsonException($"A score is a whole number from 1 to 5, or \"{ReviewScore.Absent}\"."),
    };

    public override void Write(Utf8JsonWriter writer, ReviewScore value, JsonSerializerOptions options)
    {
        if (value.Stars is { } stars)
        {
            writer.WriteNumberValue(stars);
        }
        else
        {
            writer.WriteStringValue(ReviewScore.Absent);
        }
    }
}
