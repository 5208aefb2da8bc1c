using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Partner.Matches;
using Partner.Users;

namespace Partner.Slack;

/// <summary>What became of a match's Slack post.</summary>
public enum SlackPostOutcome
{
    Posted,

    /// <summary>No member could be found on Slack (no e-mail, withdrawn, or unknown address): nobody to post to.</summary>
    NobodyOnSlack,
}

/// <summary>
/// Posts a confirmed match to a group DM of its members: each member's e-mail (from their user grain) is looked up
/// on Slack, the DM opened with those found, the match posted there. Throws <see cref="SlackException"/> when Slack
/// refuses, or the HTTP failure the resilience pipeline gave up on.
/// </summary>
public sealed partial class SlackMatchPoster(SlackClient slack, IGrainFactory grains, IOptions<SlackOptions> options, ILogger<SlackMatchPoster> logger)
{
    public bool Enabled => options.Value.Enabled;

    public async Task<SlackPostOutcome> PostAsync(MatchDefinition match, CancellationToken cancellationToken)
    {
        var profiles = await Task.WhenAll(match.Members.Select(member => grains.GetGrain<IUserGrain>(member.UserId).Get()));
        var slackIds = new List<string>();
        foreach (var profile in profiles)
        {
            if (profile is { Status: UserStatus.Active, Email: { Length: > 0 } email }
                && await slack.LookupUserIdByEmailAsync(email, cancellationToken) is { } slackId)
            {
                slackIds.Add(slackId);
            }
        }

        LogMembersFound(logger, match.MatchId, slackIds.Count, match.Members.Length);
        if (slackIds.Count == 0)
        {
            return SlackPostOutcome.NobodyOnSlack;
        }

        var channel = await slack.OpenConversationAsync(slackIds.Distinct(StringComparer.Ordinal), cancellationToken);
        await slack.PostMessageAsync(channel, Text(match, options.Value.MatchLinkBaseUrl), cancellationToken);
        return SlackPostOutcome.Posted;
    }

    /// <summary>The message: title, category, members' nicknames, and a link to the match when the web client's URL is configured.</summary>
    internal static string Text(MatchDefinition match, string? linkBase)
    {
        var text = new StringBuilder()
            .Append(":handshake: *").Append(Escape(match.Category)).Append(" match confirmed:* ").Append(Escape(match.Title)).Append('\n')
            .Append("Members: ").AppendJoin(", ", match.Members.Select(member => Escape(member.Nickname)));
        if (!string.IsNullOrWhiteSpace(linkBase))
        {
            text.Append('\n').Append('<').Append(linkBase.TrimEnd('/')).Append("/matches/").Append(match.MatchId.ToString("D")).Append("|Open the match>");
        }

        return text.ToString();
    }

    // Slack reads &, < and > as control characters in message text; user input must not form links or mentions.
    private static string Escape(string value) => value.Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Match {MatchId}: {Found} of {Members} members found on Slack")]
    private static partial void LogMembersFound(ILogger logger, Guid matchId, int found, int members);
}
