using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Partner.Users;

namespace Partner.Api.Auth;

/// <summary>
/// Whether a valid access token's session still stands (not logged out, revoked or withdrawn). A
/// write asks the user's grain every time; a read may use what this node learned within the last
/// <see cref="AuthOptions.SessionRecheckInterval"/>, so an ended session is refused by every node
/// within that bound without a backplane.
/// </summary>
public sealed class SessionGate(IGrainFactory grains, IMemoryCache cache, IOptions<AuthOptions> options)
{
    private static readonly object ItemKey = new();

    public async ValueTask<AccessCheck> CheckAsync(CurrentUser user, bool fresh)
    {
        if (user.SessionId is not { } sessionId)
        {
            return AccessCheck.SessionEnded;
        }

        if (!fresh && cache.TryGetValue(sessionId, out AccessCheck known))
        {
            return known;
        }

        var check = await user.Grain(grains).CheckAccess(sessionId);
        cache.Set(sessionId, check, options.Value.SessionRecheckInterval);
        return check;
    }

    /// <summary>This node stops trusting what it learned of the session at once (logout, withdrawal through this node).</summary>
    public void Forget(Guid sessionId) => cache.Remove(sessionId);

    /// <summary>The check made while authenticating this request, if any.</summary>
    public static AccessCheck? Of(HttpContext http) => http.Items.TryGetValue(ItemKey, out var check) ? (AccessCheck)check! : null;

    internal static void Remember(HttpContext http, AccessCheck check) => http.Items[ItemKey] = check;

    /// <summary>Reads may use a recent answer; anything else (a write) asks the grain.</summary>
    internal static bool NeedsFreshCheck(HttpRequest request) =>
        !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method));
}

/// <summary>The session check could not be made (the cluster did not answer): not a token failure, so it must not answer 401.</summary>
internal sealed class SessionCheckFailedException(Exception inner) : Exception("The session check did not complete.", inner);
