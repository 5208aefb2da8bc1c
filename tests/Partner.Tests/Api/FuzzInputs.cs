using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Partner.Tests.Api;

/// <summary>What a JSON field of a request body holds, as its request record declares it.</summary>
public enum FuzzKind
{
    String,
    Integer,
    Boolean,
    Date,
    Guid,
    Map,
    Objects,
    Other,
}

/// <summary>One field of a request body; <see cref="Items"/> are the fields of each element when the field is an array of objects.</summary>
public sealed record FuzzField(string Name, FuzzKind Kind, IReadOnlyList<FuzzField> Items);

/// <summary>One generated body: its raw bytes, the field it attacks (null for the whole body) and whether it exceeds the body limit.</summary>
public sealed record FuzzBody(string Label, string? Field, byte[] Bytes, string ContentType = "application/json")
{
    public override string ToString() => Field is null ? Label : $"{Field}: {Label}";
}

/// <summary>
/// Generates hostile JSON bodies for a request record: per field wrong types, null, absence,
/// duplicated keys, huge and odd unicode strings, out-of-range numbers, deep nesting; per body
/// whole-document oddities; and seeded random mixtures of all of them. Bodies are built as text,
/// so they can hold what no serializer writes (duplicate keys, lone surrogate escapes, 1e309).
/// </summary>
public sealed class FuzzInputs(int seed)
{
    private const int NearLimitChars = 60_000;

    private static readonly string[] WrongTypes = ["1", "-1", "\"x\"", "true", "false", "[]", "{}", "1.5", "[1,\"a\",null]", "{\"a\":1}"];

    /// <summary>Unicode oddities, as JSON string literals (escapes kept as the wire carries them).</summary>
    public static readonly string[] OddStrings =
    [
        "\"\"",
        "\"   \"",
        "\"\\ud800\"",
        "\"\\udc00\"",
        "\"a\\ud800b\"",
        "\"\\udfff\\ud800\"",
        "\"\\udbff\\udfff\"",
        "\"\\u202eevil\\u202c\"",
        "\"\\u2066x\\u2069\"",
        "\"\\u200b\"",
        "\"\\u200b\\ufeff\\u00ad\\u2060\"",
        "\"\\u3164\\u115f\"",
        "\"\U0001F600\"",
        "\"\U0001F469\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466\"",
        "\"\\u0000\"",
        "\"a\\u0000b\"",
        "\"\\u001b[31mred\"",
        "\"line\\r\\nbreak\"",
        "\"e" + string.Concat(Enumerable.Repeat("\\u0301", 200)) + "\"",
        "\"\\uffff\\ufffe\"",
        "\"ＭＥＡＬ\"",
        "\"MEAL\\u0000\"",
        "\"../../etc/passwd\"",
        "\"..%2f..%2f\"",
        "\"%00\"",
        "\"<script>alert(1)</script>\"",
        "\"' OR 1=1 --\"",
        "\"${jndi:ldap://x}\"",
        "\"\\\\\\\"\"",
    ];

    public static readonly string[] OddNumbers =
    [
        "1e309", "-1e309", "-0", "0", "-1", "2147483648", "-2147483649", "9223372036854775808", "-9223372036854775809",
        "99999999999999999999999999999999", "1.5", "1e2", "5e-324", "1E+2", "\"NaN\"", "\"Infinity\"", "\"1\"",
    ];

    private static readonly string[] OddDates =
    [
        "\"2026-02-30\"", "\"0001-01-01\"", "\"9999-12-31\"", "\"10000-01-01\"", "\"2026-13-01\"", "\"2026-12-31T00:00:00Z\"",
        "\"12/31/2026\"", "\"-2026-01-01\"", "\"2026-1-1\"", "\"\\ud800\"", "\"2026-12-31\\u0000\"",
    ];

    private static readonly string[] OddGuids =
    [
        "\"not-a-guid\"", "\"00000000-0000-0000-0000-000000000000\"", "\"{3f2504e0-4f89-11d3-9a0c-0305e82c3301}\"", "\"../../x\"",
        "\"3F2504E0-4F89-11D3-9A0C-0305E82C3301\"", "\"3f2504e04f8911d39a0c0305e82c3301\"", "\"3f2504e0-4f89-11d3-9a0c-0305e82c3301\\u0000\"",
    ];

    private static readonly string[] OddMaps =
    [
        "{\"place\":\"GAEPO\"}",
        "{\"place\":[null]}",
        "{\"place\":[1,true,{}]}",
        "{\"place\":null}",
        "{\"\":[\"\"]}",
        "{\"\\ud800\":[\"\\ud800\"]}",
        "{\"\\u0000\":[\"\\u0000\"]}",
        "{\"place\":[\"GAEPO\",\"GAEPO\",\"gaepo\"]}",
        "{\"place\":[\"GAEPO\"],\"place\":[\"SEOCHO\"]}",
        "{\"place\":[\"GAEPO\"],\"PLACE\":[\"SEOCHO\"]}",
        "{\"nope\":[\"x\"]}",
        "{\"place\":[[[\"GAEPO\"]]]}",
        "{" + string.Join(',', Enumerable.Range(0, 1000).Select(i => $"\"k{i}\":[\"v\"]")) + "}",
        "{\"place\":[" + string.Join(',', Enumerable.Repeat("\"GAEPO\"", 5000)) + "]}",
        "{\"" + new string('k', 20_000) + "\":[\"v\"]}",
    ];

    private static readonly string[] OddBooleans = ["\"true\"", "0", "1", "\"yes\"", "True"];

    private readonly Random random = new(seed);

    /// <summary>The fields of a request record: its constructor's parameters, camelCase as the API's JSON names them.</summary>
    public static IReadOnlyList<FuzzField> FieldsOf(Type record) =>
        [.. record.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First().GetParameters()
            .Select(parameter => FieldOf(JsonNamingPolicy.CamelCase.ConvertName(parameter.Name!), parameter.ParameterType))];

    private static FuzzField FieldOf(string name, Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (t == typeof(string))
        {
            return new(name, FuzzKind.String, []);
        }

        if (t == typeof(int) || t == typeof(long) || t == typeof(short))
        {
            return new(name, FuzzKind.Integer, []);
        }

        if (t == typeof(bool))
        {
            return new(name, FuzzKind.Boolean, []);
        }

        if (t == typeof(DateOnly) || t == typeof(DateTime) || t == typeof(DateTimeOffset))
        {
            return new(name, FuzzKind.Date, []);
        }

        if (t == typeof(Guid))
        {
            return new(name, FuzzKind.Guid, []);
        }

        if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            return new(name, FuzzKind.Map, []);
        }

        return t.IsArray && t.GetElementType() is { IsClass: true } element && element != typeof(string)
            && element.GetConstructors().Any(c => c.GetParameters().Length > 0)
            ? new(name, FuzzKind.Objects, FieldsOf(element))
            : new(name, FuzzKind.Other, []);
    }

    /// <summary>
    /// Every generated body for <paramref name="fields"/>, starting from <paramref name="valid"/>
    /// (field → raw JSON of a value the endpoint accepts); <paramref name="randomCases"/> seeded mixtures last.
    /// </summary>
    public IEnumerable<FuzzBody> Bodies(IReadOnlyList<FuzzField> fields, Func<string, string> valid, int randomCases)
    {
        var baseline = fields.Select(f => (f.Name, Value: valid(f.Name))).ToList();
        yield return Body("valid", null, baseline);
        foreach (var body in WholeBodies(fields, baseline))
        {
            yield return body;
        }

        foreach (var field in fields)
        {
            foreach (var (label, value) in FieldValues(field, valid))
            {
                yield return Body(label, field.Name, Replace(baseline, field.Name, value));
            }

            yield return Body("missing", field.Name, [.. baseline.Where(pair => pair.Name != field.Name)]);
            yield return Body("duplicated key, valid then wrong type", field.Name, [.. baseline, (field.Name, WrongTypeFor(field))]);
            yield return Body("duplicated key, wrong type then valid", field.Name, [(field.Name, WrongTypeFor(field)), .. baseline]);
            yield return Body("duplicated key, valid twice", field.Name, [.. baseline, (field.Name, valid(field.Name))]);
            if (field.Kind == FuzzKind.Objects)
            {
                foreach (var item in field.Items)
                {
                    var element = field.Items.Select(i => (i.Name, Value: valid($"{field.Name}.{i.Name}"))).ToList();
                    foreach (var (label, value) in FieldValues(item, name => valid($"{field.Name}.{name}")))
                    {
                        yield return Body(label, $"{field.Name}[0].{item.Name}", Replace(baseline, field.Name, "[" + Render(Replace(element, item.Name, value)) + "]"));
                    }

                    yield return Body("missing", $"{field.Name}[0].{item.Name}", Replace(baseline, field.Name, "[" + Render([.. element.Where(pair => pair.Name != item.Name)]) + "]"));
                }
            }
        }

        var pool = fields.SelectMany(field => FieldValues(field, valid).Select(value => (field.Name, value.Label, value.Value))).ToArray();
        for (var i = 0; i < randomCases && pool.Length > 0; i++)
        {
            var pairs = baseline.ToList();
            var labels = new List<string>();
            for (var n = random.Next(1, 4); n > 0; n--)
            {
                var (name, label, value) = pool[random.Next(pool.Length)];
                switch (random.Next(4))
                {
                    case 0:
                        pairs.Add((name, value));
                        labels.Add($"+{name}={label}");
                        break;
                    case 1:
                        pairs.RemoveAll(pair => pair.Name == name);
                        labels.Add($"-{name}");
                        break;
                    default:
                        pairs = Replace(pairs, name, value);
                        labels.Add($"{name}={label}");
                        break;
                }
            }

            yield return Body($"random #{i}: {string.Join(", ", labels)}", null, pairs);
        }
    }

    /// <summary>Bodies that do not depend on the record: for every endpoint, whether it reads a body or not.</summary>
    public static IEnumerable<FuzzBody> WholeBodies(IReadOnlyList<FuzzField> fields, IReadOnlyList<(string Name, string Value)> baseline)
    {
        yield return Raw("{}", "{}");
        yield return Raw("null", "null");
        yield return Raw("[]", "[]");
        yield return Raw("a string", "\"x\"");
        yield return Raw("a number", "0");
        yield return Raw("whitespace only", "  \n ");
        yield return Raw("every field null", Render([.. fields.Select(f => (f.Name, "null"))]));
        yield return Raw("every key twice, second wrong", Render([.. baseline, .. fields.Select(f => (f.Name, WrongTypeFor(f)))]));
        yield return Raw("1000-deep objects", string.Concat(Enumerable.Repeat("{\"a\":", 1000)) + "1" + new string('}', 1000));
        yield return Raw("1000-deep arrays", new string('[', 1000) + new string(']', 1000));
        yield return Raw("BOM then the body", "\uFEFF" + Render(baseline));
        yield return Raw("trailing garbage", Render(baseline) + "}");
        yield return Raw("two documents", Render(baseline) + Render(baseline));
        yield return Raw("comment inside", "{/* c */" + Render(baseline)[1..]);
        yield return Raw("trailing comma", Render(baseline)[..^1] + (baseline.Count > 0 ? "," : "") + "}");
        yield return Raw("single quotes", Render(baseline).Replace('"', '\''));
        yield return Raw("3000 unknown keys", "{" + string.Join(',', Enumerable.Range(0, 3000).Select(i => $"\"u{i}\":{i}")) + "}");
        yield return Raw("~60 KB unknown string", Render([.. baseline, ("pad", "\"" + new string('p', NearLimitChars) + "\"")]));
        yield return Raw("120 KB body (over the limit)", Render([.. baseline, ("pad", "\"" + new string('p', 120_000) + "\"")]));
        yield return new FuzzBody("invalid UTF-8 in a value", null, [.. "{\"x\":\""u8, 0xC3, 0x28, 0xED, 0xA0, 0x80, 0xFF, .. "\"}"u8]);
    }

    private static IEnumerable<(string Label, string Value)> FieldValues(FuzzField field, Func<string, string> valid)
    {
        yield return ("null", "null");
        foreach (var wrong in WrongTypes.Where(w => !SameJsonKind(field.Kind, w)))
        {
            yield return ($"wrong type {Short(wrong)}", wrong);
        }

        yield return ("1000-deep arrays", new string('[', 1000) + new string(']', 1000));
        var odd = field.Kind switch
        {
            FuzzKind.String => [.. OddStrings, .. Huge()],
            FuzzKind.Integer => OddNumbers,
            FuzzKind.Boolean => OddBooleans,
            FuzzKind.Date => OddDates,
            FuzzKind.Guid => OddGuids,
            FuzzKind.Map => OddMaps,
            FuzzKind.Objects =>
            [
                "[null]", "[1]", "[[]]", "[{}]", "[\"x\"]",
                "[" + string.Join(',', Enumerable.Repeat(valid(field.Name).Trim('[', ']'), 2)) + "]",
                "[" + string.Join(',', Enumerable.Repeat(valid(field.Name).Trim('[', ']') is { Length: > 0 } one ? one : "{}", 600)) + "]",
            ],
            _ => [.. OddNumbers.Take(8), "\"\"", "\"absent\"", "\"ABSENT \"", "\"\\ud800\""],
        };
        foreach (var value in odd)
        {
            yield return (Short(value), value);
        }
    }

    private static string[] Huge() =>
    [
        "\"" + new string('a', NearLimitChars) + "\"",
        "\"" + string.Concat(Enumerable.Repeat("\U0001F600", NearLimitChars / 4)) + "\"",
        "\"" + string.Concat(Enumerable.Repeat("\\ud800", NearLimitChars / 6)) + "\"",
        "\"" + string.Concat(Enumerable.Repeat("\\u0000", NearLimitChars / 6)) + "\"",
        "\"" + string.Concat(Enumerable.Repeat("\\u200b", NearLimitChars / 6)) + "\"",
        "\"" + string.Concat(Enumerable.Repeat("a\\n", NearLimitChars / 3)) + "\"",
    ];

    private static bool SameJsonKind(FuzzKind kind, string value) => kind switch
    {
        FuzzKind.String or FuzzKind.Date or FuzzKind.Guid => value.StartsWith('"'),
        FuzzKind.Integer => value is "1" or "-1",
        FuzzKind.Boolean => value is "true" or "false",
        FuzzKind.Map => value == "{}",
        FuzzKind.Objects => value == "[]",
        _ => false,
    };

    private static string WrongTypeFor(FuzzField field) => field.Kind switch
    {
        FuzzKind.Integer or FuzzKind.Boolean => "\"x\"",
        FuzzKind.Map or FuzzKind.Objects => "\"x\"",
        _ => "{\"a\":[1]}",
    };

    private static List<(string Name, string Value)> Replace(List<(string Name, string Value)> pairs, string name, string value) =>
        pairs.Any(pair => pair.Name == name)
            ? [.. pairs.Select(pair => pair.Name == name ? (pair.Name, value) : pair)]
            : [.. pairs, (name, value)];

    public static string Render(IReadOnlyList<(string Name, string Value)> pairs) =>
        "{" + string.Join(',', pairs.Select(pair => $"\"{pair.Name}\":{pair.Value}")) + "}";

    private static FuzzBody Body(string label, string? field, IReadOnlyList<(string Name, string Value)> pairs) =>
        new(label, field, Encoding.UTF8.GetBytes(Render(pairs)));

    private static FuzzBody Raw(string label, string json) => new(label, null, Encoding.UTF8.GetBytes(json));

    /// <summary>A value as a label: short values verbatim, long ones by their start and length.</summary>
    public static string Short(string value) =>
        value.Length <= 40 ? value : $"{value[..24]}…({value.Length.ToString(CultureInfo.InvariantCulture)} chars)";
}
