using System.Buffers.Binary;

namespace AgentMem.Stores.Common;

/// <summary>
/// The <c>memory_embeddings.vector</c> encoding (SQLite BLOB and PostgreSQL bytea alike): a format byte, the dimension (int32 LE), then either every component
/// (f32 LE) or, for sparse vectors such as the hashing embedder's (a few hundred of 1,024 buckets set), the non-zero
/// components as (u16 index, f32 value) pairs, whichever is smaller. Exact in both forms.
/// </summary>
internal static class EmbeddingBlob
{
    private const byte Dense = 1;
    private const byte Sparse = 2;
    private const int HeaderBytes = 5;

    /// <summary>The most components a sparse blob has: its indexes are u16, so <see cref="Encode"/> writes no longer vector sparse.</summary>
    private const int MaxSparseDimension = ushort.MaxValue + 1;

    public static byte[] Encode(ReadOnlySpan<float> vector)
    {
        int nonZero = 0;
        foreach (float v in vector)
        {
            if (v != 0)
            {
                nonZero++;
            }
        }

        bool sparse = vector.Length <= MaxSparseDimension && nonZero * 6 < vector.Length * 4;
        var blob = new byte[HeaderBytes + (sparse ? nonZero * 6 : vector.Length * 4)];
        blob[0] = sparse ? Sparse : Dense;
        BinaryPrimitives.WriteInt32LittleEndian(blob.AsSpan(1), vector.Length);
        var body = blob.AsSpan(HeaderBytes);
        if (!sparse)
        {
            for (int i = 0; i < vector.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(body[(i * 4)..], vector[i]);
            }

            return blob;
        }

        int at = 0;
        for (int i = 0; i < vector.Length; i++)
        {
            if (vector[i] != 0)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(body[at..], (ushort)i);
                BinaryPrimitives.WriteSingleLittleEndian(body[(at + 2)..], vector[i]);
                at += 6;
            }
        }

        return blob;
    }

    public static float[] Decode(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < HeaderBytes)
        {
            throw new StoreFormatException("A stored embedding is truncated (no header).");
        }

        int dimension = BinaryPrimitives.ReadInt32LittleEndian(blob[1..]);
        var body = blob[HeaderBytes..];
        // The dimension is checked against the body before anything is allocated for it, in long arithmetic: dimension * 4
        // overflowed int, so a damaged dimension could pass and ask for gigabytes.
        if (dimension < 1 || (blob[0] == Dense && body.Length != dimension * 4L) || (blob[0] == Sparse && (body.Length % 6 != 0 || dimension > MaxSparseDimension)) || blob[0] is not (Dense or Sparse))
        {
            throw new StoreFormatException($"A stored embedding is damaged (format {blob[0]}, dimension {dimension}, {body.Length} bytes).");
        }

        var vector = new float[dimension];
        if (blob[0] == Dense)
        {
            for (int i = 0; i < dimension; i++)
            {
                vector[i] = BinaryPrimitives.ReadSingleLittleEndian(body[(i * 4)..]);
            }

            return vector;
        }

        for (int at = 0; at < body.Length; at += 6)
        {
            int i = BinaryPrimitives.ReadUInt16LittleEndian(body[at..]);
            if (i >= dimension)
            {
                throw new StoreFormatException($"A stored embedding is damaged (index {i} beyond dimension {dimension}).");
            }

            vector[i] = BinaryPrimitives.ReadSingleLittleEndian(body[(at + 2)..]);
        }

        return vector;
    }
}
