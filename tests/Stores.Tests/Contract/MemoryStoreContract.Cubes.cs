using AgentMem.MemoryCore.Cubes;
using AgentMem.MemoryCore.Errors;
using AgentMem.MemoryCore.Model;

namespace AgentMem.Stores.Tests.Contract;

/// <summary>Cubes: create, find by id or name, list by name, update metadata, unique names.</summary>
public abstract partial class MemoryStoreContract
{
    [SkippableFact]
    public async Task A_cube_is_found_by_id_or_name_and_cubes_are_listed_by_name()
    {
        await using var s = await StartAsync();
        var zeta = await s.CreateCubeAsync("zeta");
        var alpha = await s.CreateCubeAsync("alpha");

        var byId = await s.Store.FindCubeAsync(s.Tenant, zeta.Id);
        Assert.Equal(("zeta", zeta.Owner, zeta.CreatedAt), (byId!.Name, byId.Owner, byId.CreatedAt));
        var byName = await s.Store.FindCubeAsync(s.Tenant, "alpha");
        Assert.Equal(alpha.Id, byName!.Id);
        Assert.Equal(alpha.Policy, byName.Policy);
        Assert.Empty(byName.Grants);
        Assert.Null(await s.Store.FindCubeAsync(s.Tenant, "missing"));
        Assert.Equal(["alpha", "zeta"], (await s.Store.ListCubesAsync(s.Tenant)).Select(c => c.Name));
    }

    [SkippableFact]
    public async Task A_cube_with_the_id_of_an_existing_one_is_refused_as_taken()
    {
        await using var s = await StartAsync();
        var notes = await s.CreateCubeAsync("notes");
        await Assert.ThrowsAsync<CubeAlreadyExistsException>(() => s.Store.CreateCubeAsync(notes with { Name = "other" }, s.Audit("cube.create", notes.Id)));
        Assert.Equal(["notes"], (await s.Store.ListCubesAsync(s.Tenant)).Select(c => c.Name));
    }

    [SkippableFact]
    public async Task Updating_a_cube_replaces_its_description_grants_and_policy()
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        s.Now = s.Now.AddHours(1);
        var policy = new CubePolicy { Deduplicate = false, MaxItems = 10, RetentionDays = 30, ContextTokenBudget = 2000, ForgettingThreshold = 0.2 };
        var updated = cube with { Description = "shared notes", Grants = [new CubeGrant("bob", null, CubeAccess.Read), new CubeGrant(null, "planner", CubeAccess.ReadWrite)], Policy = policy, UpdatedAt = s.Now };
        MemCube? seen = null;
        var returned = await s.Store.UpdateCubeAsync(s.Tenant, cube.Id, stored =>
        {
            seen = stored;

            // What makes a cube this cube is not the change's to move.
            return updated with { Name = "renamed", CreatedAt = s.Now, Owner = new Scope(s.Tenant, "mallory") };
        }, s.Audit("cube.grants", cube.Id));
        Assert.Equal((cube.Id, cube.Name), (seen!.Id, seen.Name));
        Assert.Equal(("notes", "shared notes"), (returned.Name, returned.Description));

        var found = await s.Store.FindCubeAsync(s.Tenant, cube.Id);
        Assert.Equal("shared notes", found!.Description);
        Assert.Equal(updated.Grants, found.Grants);
        Assert.Equal(policy, found.Policy);
        Assert.Equal((s.Now, cube.CreatedAt), (found.UpdatedAt, found.CreatedAt));
        Assert.Equal(("notes", cube.Owner), (found.Name, found.Owner));

        string unknown = MemoryCore.Identity.MemoryId.NewId().ToString();
        await Assert.ThrowsAsync<CubeNotFoundException>(() => s.Store.UpdateCubeAsync(s.Tenant, unknown, c => c, s.Audit("cube.grants", unknown)));

        // A change that throws writes nothing, not even its audit line.
        long lines = (await s.Store.ReadAuditAsync(s.Tenant)).Count;
        await Assert.ThrowsAsync<AccessDeniedException>(() => s.Store.UpdateCubeAsync(s.Tenant, cube.Id, _ => throw new AccessDeniedException("no"), s.Audit("cube.policy", cube.Id)));
        Assert.Equal(lines, (await s.Store.ReadAuditAsync(s.Tenant)).Count);
        Assert.Equal(policy, (await s.Store.FindCubeAsync(s.Tenant, cube.Id))!.Policy);
    }

    [SkippableTheory]
    [InlineData(typeof(FormatException))]
    [InlineData(typeof(InvalidCastException))]
    [InlineData(typeof(InvalidOperationException))]
    public async Task An_exception_from_the_callers_cube_change_aborts_the_update_and_reaches_the_caller_as_thrown(Type thrown)
    {
        await using var s = await StartAsync();
        var cube = await s.CreateCubeAsync("notes");
        var before = await s.Store.FindCubeAsync(s.Tenant, cube.Id);
        int auditBefore = (await s.Store.ReadAuditAsync(s.Tenant)).Count;
        var fault = (Exception)Activator.CreateInstance(thrown, "the caller's own fault")!;

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => s.Store.UpdateCubeAsync(s.Tenant, cube.Id, _ => throw fault, s.Audit("cube.policy", cube.Id)));

        Assert.Same(fault, ex);
        Assert.Equal(before, await s.Store.FindCubeAsync(s.Tenant, cube.Id));
        Assert.Equal(auditBefore, (await s.Store.ReadAuditAsync(s.Tenant)).Count);
    }

    [SkippableFact]
    public async Task A_cube_name_is_unique_in_its_tenant_and_may_not_be_another_cubes_id()
    {
        await using var s = await StartAsync();
        var notes = await s.CreateCubeAsync("notes");
        await Assert.ThrowsAsync<CubeAlreadyExistsException>(() => s.CreateCubeAsync("notes"));

        // Otherwise a look-up by id or name could mean two cubes.
        await Assert.ThrowsAsync<CubeAlreadyExistsException>(() => s.CreateCubeAsync(notes.Id));
        Assert.Equal([notes.Id], (await s.Store.ListCubesAsync(s.Tenant)).Select(c => c.Id));

        // Names are per tenant.
        string other = StoreScenario.NewTenant();
        var same = await s.CreateCubeAsync("notes", tenant: other);
        Assert.Equal(same.Id, (await s.Store.FindCubeAsync(other, "notes"))!.Id);
        Assert.Equal(notes.Id, (await s.Store.FindCubeAsync(s.Tenant, "notes"))!.Id);
    }

    [SkippableFact]
    public async Task What_a_caller_passed_in_or_got_back_cannot_change_what_the_store_holds()
    {
        await using var s = await StartAsync();
        CubeGrant[] grants = [new CubeGrant("bob", null, CubeAccess.Read)];
        var cube = await s.CreateCubeAsync("notes");
        await s.Store.UpdateCubeAsync(s.Tenant, cube.Id, c => c with { Grants = grants }, s.Audit("cube.grants", cube.Id));
        grants[0] = new CubeGrant("mallory", null, CubeAccess.ReadWrite);

        string[] tags = ["work"];
        string[] keywords = ["budget"];
        var linked = await s.AddAsync(cube, "a linked note");
        var links = new List<MemoryLink> { new(linked.Id, "related") };
        var item = s.Item(cube, "quarterly budget") with { Tags = tags, Keywords = keywords, Links = links };
        await s.AddAsync([item]);
        tags[0] = "changed";
        keywords[0] = "changed";
        links.Clear();

        var read = (await s.Store.GetAsync(s.Tenant, item.Id))!;
        Assert.Equal(["work"], read.Tags);
        Assert.Equal(["budget"], read.Keywords);
        Assert.Single(read.Links);
        TryOverwrite(read.Tags, "changed");
        TryOverwrite(read.Keywords, "changed");
        TryOverwrite((await s.Store.FindCubeAsync(s.Tenant, cube.Id))!.Grants, new CubeGrant("mallory", null, CubeAccess.ReadWrite));

        var again = (await s.Store.GetAsync(s.Tenant, item.Id))!;
        Assert.Equal(["work"], again.Tags);
        Assert.Equal(["budget"], again.Keywords);
        Assert.Equal("bob", Assert.Single((await s.Store.FindCubeAsync(s.Tenant, cube.Id))!.Grants).User);
    }

    /// <summary>Writes into a returned list if its type allows it (an array does; a read-only list does not).</summary>
    private static void TryOverwrite<T>(IReadOnlyList<T> list, T value)
    {
        if (list is IList<T> { IsReadOnly: false, Count: > 0 } writable)
        {
            writable[0] = value;
        }
    }
}
