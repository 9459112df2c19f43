using AgentMem.MemoryCore.Forgetting;

namespace AgentMem.Server.Endpoints;

/// <summary><c>/v1/users</c>: forgetting a user (the right to erasure).</summary>
internal static class UserEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        var users = v1.MapGroup("/users").WithTags("Users");
        users.MapPost("/{user}/forget", ForgetAsync)
            .Describe("ForgetUser", "Forget a user", "Removes, in every cube of the tenant, every memory the user wrote (with its versions, links, tags, embeddings and "
                + "index entries) and every memory derived from one of them (summaries, activation cartridges and their files), for good; "
                + "on SQLite freed pages are zeroed and the write-ahead log truncated. The acting scope is the API key's: an unbound key "
                + "(the tenant's owner) may forget anyone, a key bound to a user only that user; a key bound to the user and an agent only when that agent may read and write every cube "
                + "that holds the user's memories (it may not erase in a cube closed to that agent, nor drop a grant to another agent of the user); "
                + "otherwise 403, and nothing is forgotten. Then every grant to the user is dropped from the tenant's cubes (`grantsDropped`). "
                + "The cubes the user owns are listed (`ownedCubes`, ids), not deleted: they keep what others wrote there; delete them as their owner "
                + "to finish the erasure. One audit line "
                + "(`user.forget`, the user id and counts, no content) remains. Forgetting a user with no memories answers zeros.")
            .Erases();
    }

    // The acting scope is the key's alone: forgetting is not done on behalf of a user or agent a request names.
    private static async Task<Ok<UserForgottenDto>> ForgetAsync(string user, MemoryOS memory, HttpContext context, CancellationToken cancellationToken)
    {
        UserForgetResult result;
        try
        {
            result = await memory.ForgetUserAsync(RequestScope.For(context, null, null), user, cancellationToken).ConfigureAwait(false);
        }
        catch (CubeAccessDeniedException denied) when (!denied.CanRead)
        {
            // A 403 as for any refusal, but without the name of a cube the key may not read: the request named no cube, so
            // the 404 an unreadable cube gets elsewhere would both mislead and name it.
            throw new AccessDeniedException($"This API key may not forget user '{user}': a cube it may not read holds their memories or grants another agent of theirs access: nothing was forgotten. The tenant's key may forget the user.");
        }

        return TypedResults.Ok(new UserForgottenDto(result.User, result.Written, result.Derived, result.Cubes, result.PayloadFiles, result.GrantsDropped, result.OwnedCubes));
    }
}
