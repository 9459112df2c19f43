namespace AgentMem.Retrieval.Embeddings.Onnx;

/// <summary>
/// How many token positions and token ids a BERT-style ONNX encoder has: the rows of its position- and word-embedding tables
/// (the initializers named <c>…position_embeddings.weight</c> and <c>…word_embeddings.weight</c>, as Hugging Face exports
/// name them), read from the model's protobuf, since ONNX Runtime does not expose initializers. A text of more tokens, or
/// with a token id past the word table, fails inside the encoder, at the first such text.
/// </summary>
internal static class OnnxEmbeddingTables
{
    // onnx.proto field numbers: ModelProto.graph, GraphProto.initializer, TensorProto.dims and TensorProto.name.
    private const int GraphField = 7;
    private const int InitializerField = 5;
    private const int DimsField = 1;
    private const int NameField = 8;

    /// <summary>The rows of <paramref name="model"/>'s position table, or null when it has none by that name (or the bytes do not parse).</summary>
    public static int? Positions(ReadOnlySpan<byte> model) => Rows(model, "position_embeddings.weight");

    /// <summary>The rows of <paramref name="model"/>'s word table (one per token id), or null when it has none by that name (or the bytes do not parse).</summary>
    public static int? Words(ReadOnlySpan<byte> model) => Rows(model, "word_embeddings.weight");

    /// <summary>The rows of the first two-dimensional initializer whose name ends in <paramref name="suffix"/>, or null.</summary>
    private static int? Rows(ReadOnlySpan<byte> model, string suffix)
    {
        try
        {
            var top = new Reader(model);
            while (top.Next(out int field, out int wire))
            {
                if (field != GraphField || wire != Reader.LengthDelimited)
                {
                    top.Skip(wire);
                    continue;
                }

                var graph = new Reader(top.Bytes());
                while (graph.Next(out int graphField, out int graphWire))
                {
                    if (graphField != InitializerField || graphWire != Reader.LengthDelimited)
                    {
                        graph.Skip(graphWire);
                    }
                    else if (Table(graph.Bytes(), suffix) is { } rows)
                    {
                        return rows;
                    }
                }
            }
        }
        catch (FormatException)
        {
            // Not a model this reader follows (ONNX Runtime loaded it all the same): its length is not checked.
        }

        return null;
    }

    /// <summary>The rows of a tensor that is the table sought (two dimensions, its name ending in <paramref name="suffix"/>), else null.</summary>
    private static int? Table(ReadOnlySpan<byte> tensor, string suffix)
    {
        var dims = new List<ulong>(2);
        string? name = null;
        var reader = new Reader(tensor);
        while (reader.Next(out int field, out int wire))
        {
            if (field == DimsField && wire == Reader.VarintWire)
            {
                dims.Add(reader.Varint());
            }
            else if (field == DimsField && wire == Reader.LengthDelimited)
            {
                var packed = new Reader(reader.Bytes());
                while (!packed.AtEnd)
                {
                    dims.Add(packed.Varint());
                }
            }
            else if (field == NameField && wire == Reader.LengthDelimited)
            {
                name = Encoding.UTF8.GetString(reader.Bytes());
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return name is not null && name.EndsWith(suffix, StringComparison.Ordinal) && dims.Count == 2 && dims[0] is > 0 and <= int.MaxValue
            ? (int)dims[0]
            : null;
    }

    /// <summary>Protocol-buffer fields of one message, in order; malformed bytes throw <see cref="FormatException"/>.</summary>
    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        public const int VarintWire = 0;
        public const int LengthDelimited = 2;
        private const int Fixed64 = 1;
        private const int Fixed32 = 5;

        private readonly ReadOnlySpan<byte> data = data;
        private int at;

        public readonly bool AtEnd => at >= data.Length;

        /// <summary>Reads the next field's key; false at the end of the message.</summary>
        public bool Next(out int field, out int wire)
        {
            if (AtEnd)
            {
                (field, wire) = (0, 0);
                return false;
            }

            ulong key = ReadVarint();
            (field, wire) = ((int)Math.Min(key >> 3, int.MaxValue), (int)(key & 7));
            return true;
        }

        /// <summary>A varint field's value.</summary>
        public ulong Varint() => ReadVarint();

        /// <summary>A length-delimited field's bytes.</summary>
        public ReadOnlySpan<byte> Bytes()
        {
            ulong length = ReadVarint();
            if (length > (ulong)(data.Length - at))
            {
                throw new FormatException("A field runs past the end of its message.");
            }

            var bytes = data.Slice(at, (int)length);
            at += (int)length;
            return bytes;
        }

        /// <summary>Steps over a field's value of wire type <paramref name="wire"/>.</summary>
        public void Skip(int wire)
        {
            switch (wire)
            {
                case VarintWire:
                    ReadVarint();
                    break;
                case LengthDelimited:
                    Bytes();
                    break;
                case Fixed64:
                    Advance(8);
                    break;
                case Fixed32:
                    Advance(4);
                    break;
                default:
                    throw new FormatException($"Wire type {wire} is not one an ONNX model uses.");
            }
        }

        private void Advance(int count)
        {
            if (count > data.Length - at)
            {
                throw new FormatException("A field runs past the end of its message.");
            }

            at += count;
        }

        private ulong ReadVarint()
        {
            ulong value = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                if (AtEnd)
                {
                    throw new FormatException("A varint runs past the end of its message.");
                }

                byte b = data[at++];
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return value;
                }
            }

            throw new FormatException("A varint is longer than ten bytes.");
        }
    }
}
