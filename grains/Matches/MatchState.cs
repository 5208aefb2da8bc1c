using System.Collections.Immutable;
using Partner.Slack;

namespace Partner.Matches;

[GenerateSerializer, Alias("partner.match-state")]
public sealed class MatchState
{
    /// <summary>Null until the match is created.</summary>
    [Id(0)] public MatchDefinition? Definition { get; set; }

    [Id(1)] public List<GivenReview> Reviews { get; set; } = [];

    /// <summary>The Slack post this match owes its members, written with the match (see <see cref="SlackOutbox"/>).</summary>
    [Id(2)] public SlackPost Slack { get; set; } = new();
}

[GenerateSerializer, Alias("partner.given-review")]
public sealed class GivenReview
{
    [Id(0)] public Guid ReviewerId { get; set; }

    [Id(1)] public ImmutableArray<Review> Lines { get; set; } = [];

    [Id(2)] public DateTimeOffset At { get; set; }

    /// <summary>Stored with the review and cleared once its points are awarded; a pending review is awarded again (idempotently).</summary>
    [Id(3)] public bool PointsPending { get; set; }
}
