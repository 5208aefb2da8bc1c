using System.ComponentModel.DataAnnotations;

namespace Partner.Slack;

/// <summary>Posting confirmed matches to Slack (<c>Slack</c>). Off unless <see cref="BotToken"/> is set.</summary>
public sealed class SlackOptions : IValidatableObject
{
    public const string Section = "Slack";

    /// <summary>The bot token (<c>xoxb-…</c>) sent as <c>Authorization: Bearer</c>; needs <c>users:read.email</c>, <c>mpim:write</c>, <c>im:write</c>, <c>chat:write</c>.</summary>
    public string? BotToken { get; set; }

    /// <summary>The Web API root that method names are appended to.</summary>
    public string BaseUrl { get; set; } = "https://slack.com/api/";

    /// <summary>The web client's base URL; the post links to <c>{it}/matches/{matchId}</c>. No link when unset.</summary>
    public string? MatchLinkBaseUrl { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(BotToken);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsHttpUrl(BaseUrl))
        {
            yield return new ValidationResult("Slack:BaseUrl must be an absolute http(s) URL.", [nameof(BaseUrl)]);
        }

        if (!string.IsNullOrWhiteSpace(MatchLinkBaseUrl) && !IsHttpUrl(MatchLinkBaseUrl))
        {
            yield return new ValidationResult("Slack:MatchLinkBaseUrl must be an absolute http(s) URL.", [nameof(MatchLinkBaseUrl)]);
        }
    }

    private static bool IsHttpUrl(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
}
