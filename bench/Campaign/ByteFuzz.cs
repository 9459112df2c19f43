namespace AgentMem.Campaign.Bench;

/// <summary>Seeded damage of a valid file's bytes: random bytes, truncation, bit flips (anywhere or in the header), trailing junk.</summary>
internal static class ByteFuzz
{
    public static readonly string[] Kinds = ["random", "truncated", "bit flips", "header flips", "trailing junk"];

    public static byte[] Damage(byte[] valid, int kind, Random random)
    {
        switch (kind)
        {
            case 0:
                byte[] noise = new byte[random.Next(0, Math.Min(Math.Max(valid.Length, 64), 1 << 16))];
                random.NextBytes(noise);
                return noise;
            case 1:
                return valid[..random.Next(valid.Length)];
            case 2:
            case 3:
                byte[] flipped = (byte[])valid.Clone();
                int span = kind == 3 ? Math.Min(64, flipped.Length) : flipped.Length;
                for (int n = random.Next(1, 9); n > 0 && span > 0; n--)
                {
                    flipped[random.Next(span)] ^= (byte)(1 << random.Next(8));
                }

                return flipped;
            default:
                byte[] junk = new byte[random.Next(1, 4096)];
                random.NextBytes(junk);
                return [.. valid, .. junk];
        }
    }
}
