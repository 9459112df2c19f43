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
                + "(the tenant's owner) may forget anyone, a key bound to a user only that user (403 otherwise). One audit line "
                + "(`user.forget`, the user id and counts, no content) remains. Forgetting a user with no memories answers zeros.");
    }

    // The acting scope is the key's alone: forgetting is not done on behalf of a user or agent a request names.
    private static async Task<Ok<UserForgottenDto>> ForgetAsync(string user, MemoryOS memory, HttpContext context, CancellationToken cancellationToken)
    {
        var result = await memory.ForgetUserAsync(RequestScope.For(context, null, null), user, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new UserForgottenDto(result.User, result.Written, result.Derived, result.Cubes, result.PayloadFiles));
    }
}
