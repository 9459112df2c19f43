using System.ComponentModel;

namespace AgentMem.Agents.Tools;

/// <summary>
/// The bodies of the core block tools, bound to one set of blocks, acting scope and cube. Errors
/// (unknown block, text not found or found more than once, over the limit) throw with a message that says how to fix the call; a frozen block's
/// refusal says that only a person can unfreeze it.
/// </summary>
internal sealed class CoreBlockToolSet(CoreMemoryBlocks blocks, Scope scope, string cube)
{
    public async Task<CoreBlockResult> AppendAsync(
        [Description("Name of the block to add to, e.g. human (about the user) or persona (about yourself).")] string name,
        [Description("The text to add as a new line of the block: a short, self-contained statement.")] string text,
        CancellationToken cancellationToken = default)
    {
        CoreBlock block;
        try
        {
            block = await blocks.AppendAsync(scope, cube, name, text, cancellationToken).ConfigureAwait(false);
        }
        catch (MemoryFrozenException ex)
        {
            throw Frozen(name, ex);
        }

        return Result(block);
    }

    public async Task<CoreBlockResult> ReplaceAsync(
        [Description("Name of the block to edit.")] string name,
        [Description("The exact text in the block to replace, copied from the block; it must occur in the block only once (quote more of the line if it occurs more often).")] string old_text,
        [Description("The text to put in its place; empty to delete the old text.")] string new_text,
        CancellationToken cancellationToken = default)
    {
        CoreBlock block;
        try
        {
            block = await blocks.ReplaceAsync(scope, cube, name, old_text, new_text, cancellationToken).ConfigureAwait(false);
        }
        catch (CubeNotFoundException ex)
        {
            // The first session's state (only the append and memory_add create the cube). The facade's answer says only that
            // there is no such cube; the model can write the block instead, which creates it.
            throw new MemoryValidationException(
                $"There is no text to replace: cube '{cube}' does not exist yet, so every core block is empty. Write the block with {CoreBlockTools.Append}, which creates the cube.",
                ex);
        }
        catch (MemoryFrozenException ex)
        {
            throw Frozen(name, ex);
        }

        return Result(block);
    }

    // The facade's refusal names the block's memory id, which the model never saw, and says "Unfreeze it first". The name
    // was checked before the block was read, so it is a block's.
    private MemoryFrozenException Frozen(string name, MemoryFrozenException refused) => FrozenRefusal.Of($"Core block '{blocks.RequireName(name)}'", refused);

    private static CoreBlockResult Result(CoreBlock block) => new(block.Name, block.Text, block.Text.Length, block.Limit, block.Version);
}
