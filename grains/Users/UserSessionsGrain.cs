using System.Collections.Immutable;

namespace Partner.Users;

public sealed class UserSessionsGrain(
    [PersistentState("sessions")] IPersistentState<SessionsState> state,
    TimeProvider clock) : Grain, IUserSessionsGrain
{
    /// <summary>Signed-in devices kept per user; the oldest family is dropped beyond this.</summary>
    internal const int MaxFamilies = 20;

    /// <summary>Consumed tokens remembered per family for reuse detection.</summary>
    internal const int MaxConsumed = 16;

    public async Task Start(Guid familyId, ImmutableArray<byte> tokenHash, DateTimeOffset expiresAt)
    {
        var families = state.State.Families;
        families.RemoveAll(f => f.Id == familyId || f.ExpiresAt <= clock.GetUtcNow());
        if (families.Count >= MaxFamilies)
        {
            families.RemoveRange(0, families.Count - MaxFamilies + 1);
        }

        families.Add(new TokenFamily { Id = familyId, CurrentHash = [.. tokenHash], ExpiresAt = expiresAt });
        await SaveAsync();
    }

    public async Task Rotate(Guid familyId, ImmutableArray<byte> presentedHash, ImmutableArray<byte> nextHash, DateTimeOffset expiresAt)
    {
        var family = state.State.Families.Find(f => f.Id == familyId);
        if (family is null)
        {
            throw Errors.RefreshInvalid();
        }

        if (family.ConsumedHashes.Exists(consumed => presentedHash.AsSpan().SequenceEqual(consumed)))
        {
            // A consumed token came back: one of its holders is not the user. End the whole family.
            state.State.Families.Remove(family);
            await SaveAsync();
            throw Errors.RefreshInvalid();
        }

        if (!presentedHash.AsSpan().SequenceEqual(family.CurrentHash) || family.ExpiresAt <= clock.GetUtcNow())
        {
            throw Errors.RefreshInvalid();
        }

        family.ConsumedHashes.Add(family.CurrentHash);
        if (family.ConsumedHashes.Count > MaxConsumed)
        {
            family.ConsumedHashes.RemoveAt(0);
        }

        family.CurrentHash = [.. nextHash];
        family.ExpiresAt = expiresAt;
        await SaveAsync();
    }

    public Task<ImmutableDictionary<Guid, DateTimeOffset>> Live() => Task.FromResult(
        state.State.Families.Where(f => f.ExpiresAt > clock.GetUtcNow()).ToImmutableDictionary(f => f.Id, f => f.ExpiresAt));

    public async Task Revoke(Guid familyId)
    {
        if (state.State.Families.RemoveAll(f => f.Id == familyId) > 0)
        {
            await SaveAsync();
        }
    }

    public async Task RevokeAll()
    {
        if (state.State.Families.Count > 0)
        {
            state.State.Families.Clear();
            await SaveAsync();
        }
    }

    private async Task SaveAsync()
    {
        await state.WriteOrRefuseAsync(this);
    }
}

[GenerateSerializer, Alias("partner.sessions-state")]
public sealed class SessionsState
{
    [Id(0)] public List<TokenFamily> Families { get; set; } = [];
}

[GenerateSerializer, Alias("partner.token-family")]
public sealed class TokenFamily
{
    [Id(0)] public Guid Id { get; set; }
    [Id(1)] public byte[] CurrentHash { get; set; } = [];
    [Id(2)] public List<byte[]> ConsumedHashes { get; set; } = [];
    [Id(3)] public DateTimeOffset ExpiresAt { get; set; }
}
