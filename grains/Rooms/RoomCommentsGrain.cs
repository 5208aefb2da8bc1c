using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Partner.Alarms;

namespace Partner.Rooms;

public sealed class RoomCommentsGrain : Grain, IRoomCommentsGrain
{
    internal const int MaxContentLength = 1000;

    private readonly IPersistentState<CommentsState> state;
    private readonly TimeProvider clock;
    private readonly AlarmOutbox outbox;

    public RoomCommentsGrain(
        [PersistentState("comments")] IPersistentState<CommentsState> state,
        IGrainFactory grains,
        TimeProvider clock,
        ILogger<RoomCommentsGrain> logger)
    {
        this.state = state;
        this.clock = clock;
        outbox = new AlarmOutbox(this, grains, () => this.state.State.Outbox, logger);
    }

    private List<StoredComment> All => state.State.Comments;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        outbox.Saved();
        return Task.CompletedTask;
    }

    public Task<ImmutableArray<CommentView>> List(Guid? viewer, bool anonymous)
    {
        EnsureOpen();
        var ordered = All.Where(c => c.ParentId is null)
            .SelectMany(parent => All.Where(reply => reply.ParentId == parent.Id).Prepend(parent))
            .Where(c => !c.Deleted || All.Exists(reply => reply.ParentId == c.Id && !reply.Deleted));
        return Task.FromResult<ImmutableArray<CommentView>>([.. ordered.Select(c => View(c, viewer, anonymous))]);
    }

    public async Task<CommentView> Add(Actor author, string content, Guid? parentId, bool anonymous, string roomTitle, Guid? commentId = null)
    {
        EnsureOpen();
        CheckContent(content);
        if (commentId is { } retried && All.Find(c => c.Id == retried && c.AuthorId == author.UserId) is { } added)
        {
            return View(added, author.UserId, anonymous);
        }

        StoredComment? parent = null;
        if (parentId is { } id)
        {
            parent = Find(id, "parentId");
            // One reply level: a reply to a reply attaches to the top-level comment.
            parent = parent.ParentId is { } top ? Find(top, "parentId") : parent;
        }

        var now = clock.GetUtcNow();
        var comment = new StoredComment { Id = commentId ?? Guid.NewGuid(), ParentId = parent?.Id, AuthorId = author.UserId, AuthorNickname = author.Nickname, Content = content, CreatedAt = now, UpdatedAt = now };
        All.Add(comment);
        if (parent is not null && parent.AuthorId != author.UserId)
        {
            outbox.Add(parent.AuthorId, new AlarmDraft(
                AlarmIds.CommentReply(comment.Id), AlarmType.CommentReply,
                $"{(anonymous ? "Someone" : author.Nickname)} replied to your comment in \"{roomTitle}\".",
                this.GetPrimaryKey(), comment.Id, null, anonymous ? null : author.Nickname));
        }

        await SaveAsync();
        return View(comment, author.UserId, anonymous);
    }

    public async Task<CommentView> Edit(Actor actor, Guid commentId, string content, bool anonymous)
    {
        EnsureOpen();
        CheckContent(content);
        var comment = Find(commentId, "commentId");
        EnsureAuthor(actor, comment);
        comment.Content = content;
        comment.UpdatedAt = clock.GetUtcNow();
        await SaveAsync();
        return View(comment, actor.UserId, anonymous);
    }

    public async Task Delete(Actor actor, Guid commentId)
    {
        EnsureOpen();
        var comment = Find(commentId, "commentId");
        EnsureAuthor(actor, comment);
        comment.Deleted = true;
        comment.Content = null;
        comment.UpdatedAt = clock.GetUtcNow();
        // A deleted comment without live replies leaves nothing to show; drop it and its deleted replies.
        if (!All.Exists(reply => reply.ParentId == comment.Id && !reply.Deleted))
        {
            All.RemoveAll(c => c.Id == comment.Id || (c.ParentId == comment.Id && c.Deleted));
        }

        if (comment.ParentId is { } parentId && All.Find(c => c.Id == parentId) is { Deleted: true } parent
            && !All.Exists(reply => reply.ParentId == parent.Id && !reply.Deleted))
        {
            All.RemoveAll(c => c.Id == parent.Id || c.ParentId == parent.Id);
        }

        await SaveAsync();
    }

    public async Task Close()
    {
        if (!state.State.Closed)
        {
            state.State.Closed = true;
            await SaveAsync();
        }
    }

    private StoredComment Find(Guid id, string field) =>
        All.Find(c => c.Id == id && !c.Deleted) ?? (field == "commentId" ? throw Errors.NotFound("The comment") : throw Errors.Validation(field, "No such comment in this room."));

    private static void EnsureAuthor(Actor actor, StoredComment comment)
    {
        if (!actor.IsAdmin && comment.AuthorId != actor.UserId)
        {
            throw Errors.CommentNotAuthor();
        }
    }

    private void EnsureOpen()
    {
        if (state.State.Closed)
        {
            throw Errors.NotFound("The room");
        }
    }

    internal static void CheckContent(string content) => TextRules.CheckText("content", content, MaxContentLength);

    private static CommentView View(StoredComment c, Guid? viewer, bool anonymous) =>
        new(c.Id, c.ParentId, c.Deleted ? null : c.Content, c.Deleted || anonymous ? null : c.AuthorNickname, c.AuthorId == viewer, c.Deleted, c.CreatedAt, c.UpdatedAt);

    private async Task SaveAsync()
    {
        await state.WriteOrRefuseAsync(this);

        outbox.Saved();
    }
}

[GenerateSerializer, Alias("partner.comments-state")]
public sealed class CommentsState
{
    [Id(0)] public List<StoredComment> Comments { get; set; } = [];
    [Id(1)] public bool Closed { get; set; }
    [Id(2)] public List<PendingAlarm> Outbox { get; set; } = [];
}

[GenerateSerializer, Alias("partner.stored-comment")]
public sealed class StoredComment
{
    [Id(0)] public Guid Id { get; set; }
    [Id(1)] public Guid? ParentId { get; set; }
    [Id(2)] public Guid AuthorId { get; set; }
    [Id(3)] public string AuthorNickname { get; set; } = "";
    [Id(4)] public string? Content { get; set; }
    [Id(5)] public bool Deleted { get; set; }
    [Id(6)] public DateTimeOffset CreatedAt { get; set; }
    [Id(7)] public DateTimeOffset UpdatedAt { get; set; }
}
