namespace Partner.Slack;

[GenerateSerializer, Alias("partner.slack-post-status")]
public enum SlackPostStatus
{
    /// <summary>Nothing owed: Slack was off when the match was created (or the match predates Slack posts).</summary>
    None,

    /// <summary>Stored with the match; delivered after the answer, and again after a crash, until Slack accepts or refuses it.</summary>
    Pending,

    Posted,

    /// <summary>No member was found on Slack.</summary>
    NobodyOnSlack,

    /// <summary>Slack answered a permanent error (<see cref="SlackPost.Error"/>); not retried.</summary>
    Refused,
}

/// <summary>The Slack post a match owes its members: one per match, kept in the match's own state.</summary>
[GenerateSerializer, Alias("partner.slack-post")]
public sealed class SlackPost
{
    [Id(0)] public SlackPostStatus Status { get; set; }

    /// <summary>When it was posted, or given up.</summary>
    [Id(1)] public DateTimeOffset? At { get; set; }

    /// <summary>Slack's error code when it refused the post.</summary>
    [Id(2)] public string? Error { get; set; }
}
