using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Partner.Api.Hosting;

/// <summary>
/// Writes enums as UPPER_SNAKE_CASE strings and reads them case-insensitively, with or without
/// underscores ("TICKET_EXPIRED", "ticket_expired", "TicketExpired"); numbers are rejected.
/// </summary>
public sealed class UpperCaseEnumConverter : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(EnumConverter<>).MakeGenericType(typeToConvert))!;

    private sealed class EnumConverter<T> : JsonConverter<T>
        where T : struct, Enum
    {
        private static readonly FrozenDictionary<T, string> Names =
            Enum.GetValues<T>().ToFrozenDictionary(value => value, value => JsonNamingPolicy.SnakeCaseUpper.ConvertName(value.ToString()));

        private static readonly FrozenDictionary<string, T> Values =
            Enum.GetValues<T>().ToFrozenDictionary(value => Normalize(value.ToString()), StringComparer.Ordinal);

        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String && Values.TryGetValue(Normalize(reader.GetString()!), out var value)
                ? value
                : throw new JsonException($"Expected one of {string.Join(", ", Names.Values)}.");

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
            writer.WriteStringValue(Names.TryGetValue(value, out var name) ? name : throw new JsonException($"{value} is not a {typeof(T).Name}."));

        public override T ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Read(ref reader, typeToConvert, options);

        public override void WriteAsPropertyName(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
            writer.WritePropertyName(Names[value]);

        private static string Normalize(string text) => text.Replace("_", "", StringComparison.Ordinal).ToUpperInvariant();
    }
}
