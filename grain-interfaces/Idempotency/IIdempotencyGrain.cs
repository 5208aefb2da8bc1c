using System.Collections.Immutable;

namespace Partner.Idempotency;

/// <summary>
/// One user's <c>Idempotency-Key</c>s: what each was first used with (a fingerprint of the request) and the
/// answer it got, kept for <c>Partner:Idempotency:Retention</c> (24 hours), so that a retried create gets the
/// first answer instead of creating again.
/// </summary>
[Alias("partner.idempotency")]
public interface IIdempotencyGrain : IGrainWithGuidKey
{
    /// <summary>Takes the key for a request, or says why not: it was answered already (replay), used with another request, or is being answered.</summary>
    [Alias("claim")]
    Task<IdempotencyClaim> Claim(string key, ImmutableArray<byte> fingerprint);

    /// <summary>Keeps the answer of the request that claimed the key.</summary>
    [Alias("complete")]
    Task Complete(string key, ImmutableArray<byte> fingerprint, StoredAnswer answer);

    /// <summary>Frees the key after a request that failed: a retry runs again.</summary>
    [Alias("release")]
    Task Release(string key);
}

[GenerateSerializer, Alias("partner.idempotency-outcome")]
public enum IdempotencyOutcome
{
    Proceed,
    Replay,
    OtherRequest,
    InProgress,
}

[GenerateSerializer, Immutable, Alias("partner.idempotency-claim")]
public sealed record IdempotencyClaim([property: Id(0)] IdempotencyOutcome Outcome, [property: Id(1)] StoredAnswer? Answer = null);

/// <summary>An HTTP answer as the client first got it.</summary>
[GenerateSerializer, Immutable, Alias("partner.stored-answer")]
public sealed record StoredAnswer(
    [property: Id(0)] int Status,
    [property: Id(1)] string? ContentType,
    [property: Id(2)] string? Location,
    [property: Id(3)] string? ETag,
    [property: Id(4)] ImmutableArray<byte> Body);
