using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Partner.Idempotency;

/// <summary>How long a create's <c>Idempotency-Key</c> keeps its first answer (<c>Partner:Idempotency</c>).</summary>
public sealed class IdempotencyOptions
{
    public const string Section = "Partner:Idempotency";

    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);
}

/// <summary>
/// A user's keys in one small row: entries older than the retention are dropped at each write. A key being
/// answered is held in memory only: after a crash the retry runs again, and creates converge by their
/// key-derived ids.
/// </summary>
public sealed partial class IdempotencyGrain(
    [PersistentState("idempotency")] IPersistentState<IdempotencyState> state,
    IOptions<IdempotencyOptions> options,
    TimeProvider clock,
    ILogger<IdempotencyGrain> logger) : Grain, IIdempotencyGrain
{
    /// <summary>A claim older than this was lost with its API node: the key is free again.</summary>
    internal static readonly TimeSpan ClaimLifetime = TimeSpan.FromSeconds(60);

    private readonly Dictionary<string, (ImmutableArray<byte> Fingerprint, DateTimeOffset At)> claims = [];

    private TimeSpan Retention => options.Value.Retention;

    public Task<IdempotencyClaim> Claim(string key, ImmutableArray<byte> fingerprint)
    {
        var now = clock.GetUtcNow();
        if (state.State.Keys.TryGetValue(key, out var kept) && now - kept.At < Retention)
        {
            return Task.FromResult(Same(kept.Fingerprint, fingerprint)
                ? new IdempotencyClaim(IdempotencyOutcome.Replay, kept.Answer)
                : new IdempotencyClaim(IdempotencyOutcome.OtherRequest));
        }

        if (claims.TryGetValue(key, out var claim) && now - claim.At < ClaimLifetime)
        {
            return Task.FromResult(new IdempotencyClaim(Same(claim.Fingerprint, fingerprint) ? IdempotencyOutcome.InProgress : IdempotencyOutcome.OtherRequest));
        }

        claims[key] = (fingerprint, now);
        return Task.FromResult(new IdempotencyClaim(IdempotencyOutcome.Proceed));
    }

    public async Task Complete(string key, ImmutableArray<byte> fingerprint, StoredAnswer answer)
    {
        claims.Remove(key);
        var now = clock.GetUtcNow();
        var keys = state.State.Keys;
        foreach (var expired in keys.Where(pair => now - pair.Value.At >= Retention).Select(pair => pair.Key).ToList())
        {
            keys.Remove(expired);
        }

        keys[key] = new KeptAnswer { Fingerprint = fingerprint, At = now, Answer = answer };
        try
        {
            await state.WriteOrRefuseAsync(this);
        }
        catch
        {
            LogWriteFailed(logger, this.GetPrimaryKey());
            throw;
        }
    }

    public Task Release(string key)
    {
        claims.Remove(key);
        return Task.CompletedTask;
    }

    private static bool Same(ImmutableArray<byte> kept, ImmutableArray<byte> asked) => kept.AsSpan().SequenceEqual(asked.AsSpan());

    [LoggerMessage(Level = LogLevel.Warning, Message = "The idempotency keys of user {UserId} could not be written; a retry will run again")]
    private static partial void LogWriteFailed(ILogger logger, Guid userId);
}

[GenerateSerializer, Alias("partner.idempotency-state")]
public sealed class IdempotencyState
{
    [Id(0)] public Dictionary<string, KeptAnswer> Keys { get; set; } = [];
}

[GenerateSerializer, Alias("partner.kept-answer")]
public sealed class KeptAnswer
{
    [Id(0)] public ImmutableArray<byte> Fingerprint { get; set; }
    [Id(1)] public DateTimeOffset At { get; set; }
    [Id(2)] public StoredAnswer? Answer { get; set; }
}
