using System.Collections.Immutable;

namespace Partner;

/// <summary>
/// The one exception type for broken business rules. It crosses grain boundaries intact;
/// the API maps <see cref="Code"/> to an HTTP status and a problem-details body.
/// </summary>
[GenerateSerializer, Alias("partner.domain-exception")]
public sealed class DomainException : Exception
{
    public DomainException(string code, string message, ImmutableDictionary<string, ImmutableArray<string>>? fieldErrors = null)
        : base(message)
    {
        Code = code;
        FieldErrors = fieldErrors;
    }

    [Id(0)] public string Code { get; }

    /// <summary>For <c>validation</c>: JSON field name → messages.</summary>
    [Id(1)] public ImmutableDictionary<string, ImmutableArray<string>>? FieldErrors { get; }

    /// <summary>
    /// For <c>unavailable</c>: the grain whose own state write was refused because storage held a newer version (another
    /// activation wrote first); nothing was written, so its caller may send the same call again to a fresh activation.
    /// </summary>
    [Id(2)] public GrainId? SupersededGrain { get; init; }
}
