using Microsoft.Extensions.Logging;
using Partner.Matches;

namespace Partner.Slack;

/// <summary>
/// Delivers the Slack post a match owes after the match is durable: it is marked pending in the same write as the
/// match (so an acknowledged match never loses its post), then sent from a grain timer (so the request never waits
/// for, or fails on, Slack) and retried with backoff until Slack accepts or refuses it for good; the outcome is then
/// written, so a later activation does not post again. A reminder lives only while the post is pending: after a
/// crash it re-activates the match, whose activation resumes delivery. At least once: a crash between Slack's
/// answer and that write posts again.
/// </summary>
public sealed partial class SlackOutbox(
    Grain owner,
    SlackMatchPoster poster,
    Func<SlackPost> post,
    Func<MatchDefinition?> match,
    Func<Task> save,
    TimeProvider clock,
    ILogger logger)
{
    internal const string Reminder = "slack-post";

    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);

    private readonly RetryBackoff backoff = new();
    private IGrainTimer? sendTimer;
    private IGrainTimer? recordTimer;
    private bool sending;
    private bool reminderOn;
    private (SlackPostStatus Status, string? Error)? finished;

    private bool Owed => poster.Enabled && post().Status == SlackPostStatus.Pending && match() is not null;

    private Guid MatchId => owner.GetPrimaryKey();

    /// <summary>Marks the post pending in the state about to be written with the match; nothing when Slack is off.</summary>
    public void Add()
    {
        if (poster.Enabled)
        {
            post().Status = SlackPostStatus.Pending;
        }
    }

    /// <summary>Call after the write that stored the pending post: starts delivery and keeps the reminder. Never throws.</summary>
    public async Task SavedAsync()
    {
        if (Owed)
        {
            Start();
            await EnsureReminderAsync();
        }
    }

    /// <summary>Starts delivering a pending post (e.g. at activation); a no-op when nothing is owed or delivery is under way.</summary>
    public void Start()
    {
        if (Owed && sendTimer is null && !sending && finished is null)
        {
            Schedule(TimeSpan.Zero);
        }
    }

    public async Task RemindedAsync()
    {
        if (Owed)
        {
            Start();
        }
        else
        {
            await RemoveReminderAsync();
        }
    }

    // Interleaving, so a slow Slack never holds the match's own calls; it only reads the immutable definition, and the outcome is written in a turn of its own.
    private void Schedule(TimeSpan delay) =>
        sendTimer = owner.RegisterGrainTimer(SendAsync, new GrainTimerCreationOptions(delay, Timeout.InfiniteTimeSpan) { Interleave = true });

    private async Task SendAsync(CancellationToken cancellationToken)
    {
        // Disposed when done, not now: disposing a timer cancels the token of its running callback.
        using var fired = sendTimer;
        sendTimer = null;
        if (!Owed || sending || finished is not null)
        {
            return;
        }

        sending = true;
        try
        {
            await EnsureReminderAsync();
            var outcome = await poster.PostAsync(match()!, cancellationToken);
            if (outcome == SlackPostOutcome.NobodyOnSlack)
            {
                LogNobodyOnSlack(logger, MatchId);
            }

            Finish(outcome == SlackPostOutcome.Posted ? SlackPostStatus.Posted : SlackPostStatus.NobodyOnSlack, null);
        }
        catch (SlackException ex) when (!ex.IsTransient)
        {
            LogRefused(logger, MatchId, ex.Method, ex.Error);
            Finish(SlackPostStatus.Refused, ex.Error);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The activation is going away; the next one delivers.
            LogInterrupted(logger, MatchId);
        }
        catch (Exception ex)
        {
            var delay = backoff.Next();
            LogRetrying(logger, ex, MatchId, delay);
            Schedule(delay);
        }
        finally
        {
            sending = false;
        }
    }

    private void Finish(SlackPostStatus status, string? error)
    {
        backoff.Reset();
        finished = (status, error);
        recordTimer = owner.RegisterGrainTimer(RecordAsync, new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan));
    }

    private async Task RecordAsync(CancellationToken cancellationToken)
    {
        using var fired = recordTimer;
        recordTimer = null;
        if (finished is not { } result)
        {
            return;
        }

        finished = null;
        var slackPost = post();
        slackPost.Status = result.Status;
        slackPost.Error = result.Error;
        slackPost.At = clock.GetUtcNow();
        try
        {
            await save();
        }
        catch (Exception ex)
        {
            // The failed write drops the activation; the next one finds the post pending and posts it again.
            LogNotRecorded(logger, ex, MatchId);
            return;
        }

        await RemoveReminderAsync();
    }

    private async Task EnsureReminderAsync()
    {
        if (reminderOn)
        {
            return;
        }

        try
        {
            await owner.RegisterOrUpdateReminder(Reminder, ReminderPeriod, ReminderPeriod);
            reminderOn = true;
        }
        catch (Exception ex)
        {
            // Delivery goes on from the timer; only a crash before the next attempt registers it would wait for the match's next activation.
            LogReminderFailed(logger, ex, MatchId);
        }
    }

    private async Task RemoveReminderAsync()
    {
        try
        {
            if (await owner.GetReminder(Reminder) is { } reminder)
            {
                await owner.UnregisterReminder(reminder);
            }

            reminderOn = false;
        }
        catch (Exception ex)
        {
            // A reminder left behind finds nothing owed at its next tick and removes itself then.
            LogReminderFailed(logger, ex, MatchId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Match {MatchId}: Slack post failed; retrying in {Backoff}")]
    private static partial void LogRetrying(ILogger logger, Exception exception, Guid matchId, TimeSpan backoff);

    [LoggerMessage(Level = LogLevel.Information, Message = "Match {MatchId}: Slack post interrupted by deactivation; the next activation sends it")]
    private static partial void LogInterrupted(ILogger logger, Guid matchId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Match {MatchId}: Slack refused {Method} with {Error}; the post is given up")]
    private static partial void LogRefused(ILogger logger, Guid matchId, string method, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Match {MatchId}: no member was found on Slack; nothing posted")]
    private static partial void LogNobodyOnSlack(ILogger logger, Guid matchId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Match {MatchId}: the Slack post's outcome was not saved; the next activation posts again")]
    private static partial void LogNotRecorded(ILogger logger, Exception exception, Guid matchId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Match {MatchId}: the Slack post's reminder could not be changed")]
    private static partial void LogReminderFailed(ILogger logger, Exception exception, Guid matchId);
}
