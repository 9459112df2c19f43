using System.Text;
using System.Text.Json.Nodes;

namespace AgentMem.Campaign.Bench;

/// <summary>Random JSON documents, mutations of a valid one, and byte-level damage of its text, all from one seeded <see cref="Random"/>.</summary>
internal sealed class JsonFuzz(Random random)
{
    private static readonly string[] Strings =
    [
        "", " ", "default", "hybrid", "bm25", "vector", "nope", "Active", "frozen", "01J00000000000000000000000", "../../etc/passwd",
        "\u0000", "\ud83d\ude00", "'; DROP TABLE memories; --", "%s%n", "1970-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "-1", "NaN",
    ];

    private static readonly JsonNode?[] Numbers = [0, -1, 1, int.MaxValue, int.MinValue, long.MaxValue, 1e308, -1e308, 0.5, 1e-320, 4097, 1001];

    /// <summary>A random document of depth at most <paramref name="depth"/>.</summary>
    public JsonNode? RandomValue(int depth = 3) => random.Next(depth <= 0 ? 5 : 7) switch
    {
        0 => null,
        1 => random.Next(2) == 0,
        2 => Numbers[random.Next(Numbers.Length)]?.DeepClone(),
        3 => Strings[random.Next(Strings.Length)],
        4 => new string((char)random.Next(32, 0xD7FF), random.Next(0, 64)),
        5 => new JsonArray([.. Enumerable.Range(0, random.Next(4)).Select(_ => RandomValue(depth - 1))]),
        _ => RandomObject(depth),
    };

    /// <summary>The valid document with one to three of its values replaced, removed, added to, blown up or retyped.</summary>
    public JsonNode? Mutate(JsonNode? valid)
    {
        JsonNode? root = valid?.DeepClone();
        for (int n = random.Next(1, 4); n > 0; n--)
        {
            var nodes = new List<JsonNode>();
            Collect(root, nodes);
            if (nodes.Count == 0)
            {
                return RandomValue();
            }

            var target = nodes[random.Next(nodes.Count)];
            switch (target, random.Next(6))
            {
                case (JsonObject o, 0) when o.Count > 0:
                    o.Remove(o.ElementAt(random.Next(o.Count)).Key);
                    break;
                case (JsonObject o, 1):
                    o[RandomKey(random.Next(100))] = RandomValue(2);
                    break;
                case (JsonObject o, _) when o.Count > 0:
                    o[o.ElementAt(random.Next(o.Count)).Key] = random.Next(3) == 0 ? new string('x', random.Next(1, 300_000)) : RandomValue(2);
                    break;
                case (JsonArray a, _):
                    if (a.Count > 0 && random.Next(2) == 0)
                    {
                        a[random.Next(a.Count)] = RandomValue(2);
                    }
                    else
                    {
                        for (int i = random.Next(1, 2000); i > 0; i--)
                        {
                            a.Add(RandomValue(0));
                        }
                    }

                    break;
                default:
                    if (target == root)
                    {
                        root = RandomValue();
                    }

                    break;
            }
        }

        return root;
    }

    /// <summary>Damage below JSON: truncation, a flipped byte, invalid UTF-8, deep nesting or garbage.</summary>
    public byte[] DamageBytes(JsonNode? valid)
    {
        byte[] text = Encoding.UTF8.GetBytes(valid?.ToJsonString() ?? "null");
        switch (random.Next(5))
        {
            case 0:
                return text[..random.Next(text.Length)];
            case 1:
                byte[] flipped = (byte[])text.Clone();
                flipped[random.Next(flipped.Length)] ^= (byte)(1 << random.Next(8));
                return flipped;
            case 2:
                byte[] bad = (byte[])text.Clone();
                bad[random.Next(bad.Length)] = 0xFF; // never valid in UTF-8
                return bad;
            case 3:
                int depth = random.Next(65, 5000);
                return Encoding.ASCII.GetBytes(new string('[', depth) + new string(']', depth));
            default:
                byte[] garbage = new byte[random.Next(1, 512)];
                random.NextBytes(garbage);
                return garbage;
        }
    }

    private JsonObject RandomObject(int depth)
    {
        var o = new JsonObject();
        for (int i = random.Next(5); i > 0; i--)
        {
            o[RandomKey(i)] = RandomValue(depth - 1); // the indexer, so a repeated key overwrites rather than throws
        }

        return o;
    }

    private string RandomKey(int i) => random.Next(3) switch
    {
        0 => "text",
        1 => "cube",
        _ => $"k{i}",
    };

    private static void Collect(JsonNode? node, List<JsonNode> into)
    {
        if (node is null)
        {
            return;
        }

        into.Add(node);
        switch (node)
        {
            case JsonObject o:
                foreach (var p in o)
                {
                    Collect(p.Value, into);
                }

                break;
            case JsonArray a:
                foreach (var item in a)
                {
                    Collect(item, into);
                }

                break;
        }
    }
}
