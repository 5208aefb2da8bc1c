using System.Collections.Immutable;

namespace Partner;

/// <summary>One page of a list, 0-based.</summary>
[GenerateSerializer, Immutable, Alias("partner.page`1")]
public sealed record Page<T>(
    [property: Id(0)] ImmutableArray<T> Items,
    [property: Id(1)] int Number,
    [property: Id(2)] int Size,
    [property: Id(3)] bool HasNext);

/// <summary>Who performs a command, as far as the rules care.</summary>
[GenerateSerializer, Immutable, Alias("partner.actor")]
public sealed record Actor(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] string Nickname,
    [property: Id(2)] bool IsAdmin);
