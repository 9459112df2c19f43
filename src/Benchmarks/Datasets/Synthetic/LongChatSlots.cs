namespace AgentMem.Benchmarks.Datasets.Synthetic;

/// <summary>
/// Fills <c>{NAME}</c> slots in templates from a project's vocabulary. <c>C</c> is the component the
/// exchange is about (<c>CB</c>, <c>CP</c>, <c>CK</c>, <c>CS</c>: bare, Pascal, kebab, snake forms);
/// every other slot is drawn at random, once per <see cref="Scope"/>, so a paragraph that says
/// <c>{C2}</c> twice means one component.
/// </summary>
internal sealed partial class LongChatSlots(Random random, LongChatProject project)
{
    /// <summary>Starts a scope in which each slot name keeps the value it first gets.</summary>
    /// <param name="focus">The component the text is about.</param>
    /// <returns>A fresh scope.</returns>
    public Scope Begin(LongChatEntity focus) => new(this, focus);

    private string Draw(string name, LongChatEntity focus, Dictionary<string, string> values) => name switch
    {
        "C" => focus.Name,
        "CB" => focus.Bare,
        "CP" => focus.Pascal,
        "CK" => focus.Kebab,
        "CS" => focus.Snake,
        "C2" or "C3" => OtherComponent(focus, values).Name,
        "PROJ" => project.Name,
        "PRODUCT" => project.Product,
        "TEAM" => project.Team,
        "FW" => project.Stack.Framework,
        "LANG" => project.Stack.Language,
        "TESTTOOL" => project.Stack.TestTool,
        "TOOL" or "TOOL2" => Pick(LongChatVocabulary.Tools),
        "KEY" or "KEY2" => Pick(LongChatVocabulary.ConfigKeys),
        "ERR" => Pick(LongChatVocabulary.Errors),
        "ROUTE" => Pick(LongChatVocabulary.Routes),
        "TABLE" or "TABLE2" => Pick(LongChatVocabulary.Tables),
        "METRIC" => Pick(LongChatVocabulary.Metrics),
        "ENV" => Pick(LongChatVocabulary.Environments),
        "ENVSLUG" => Pick(EnvironmentSlugs),
        "DAY" => Pick(LongChatVocabulary.Weekdays),
        "P" or "P2" => Pick(project.People),
        "MILESTONE" => Pick(project.Milestones).Name,
        "N" => Number(2, 10),
        "NN" => Number(10, 100),
        "NNN" => Number(100, 1000),
        "PCT" => Number(10, 91),
        "MS" => Number(30, 951),
        "GITSHA" => Hex(7),
        "FILE" => SourceFile(focus, test: false),
        "TESTFILE" => SourceFile(focus, test: true),
        _ => throw new InvalidOperationException($"Unknown template slot {{{name}}}."),
    };

    /// <summary>Random lower-case hex digits, for ids and hashes in code and logs.</summary>
    /// <param name="digits">Number of digits.</param>
    /// <returns>The digits.</returns>
    public string Hex(int digits)
    {
        char[] chars = new char[digits];
        for (int i = 0; i < digits; i++)
        {
            chars[i] = "0123456789abcdef"[random.Next(16)];
        }

        return new string(chars);
    }

    /// <summary>A uniformly drawn element.</summary>
    /// <typeparam name="T">Element type.</typeparam>
    /// <param name="items">Non-empty list.</param>
    /// <returns>One element.</returns>
    public T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private string Number(int min, int maxExclusive) => random.Next(min, maxExclusive).ToString(CultureInfo.InvariantCulture);

    private LongChatEntity OtherComponent(LongChatEntity focus, Dictionary<string, string> values)
    {
        // C2 and C3 must name two different components, neither the focus.
        while (true)
        {
            LongChatEntity other = Pick(project.Components);
            if (other != focus && !values.ContainsValue(other.Name))
            {
                return other;
            }
        }
    }

    private string SourceFile(LongChatEntity focus, bool test)
    {
        LongChatStack stack = project.Stack;
        string root = stack.SourceRoot;
        string flat = focus.Kebab.Replace("-", "", StringComparison.Ordinal);
        return stack.Extension switch
        {
            "py" when test => $"tests/test_{focus.Snake}.py",
            "py" => $"{root}/{focus.Snake}/{Pick(PythonModules)}.py",
            "go" when test => $"{root}/{flat}/handler_test.go",
            "go" => $"{root}/{flat}/{Pick(GoFiles)}.go",
            "ts" when test => $"{root}/{focus.Kebab}/{focus.Kebab}.spec.ts",
            "ts" => $"{root}/{focus.Kebab}/{focus.Kebab}.{Pick(TypeScriptRoles)}.ts",
            _ when test => $"tests/{focus.Pascal}.Tests/{focus.Pascal}{Pick(TestedRoles)}Tests.{stack.Extension}",
            _ => $"{root}/{focus.Pascal}/{focus.Pascal}{Pick(ClassRoles)}.{stack.Extension}",
        };
    }

    private static readonly string[] EnvironmentSlugs = ["staging", "production", "dev", "qa"];
    private static readonly string[] PythonModules = ["handlers", "service", "models", "tasks"];
    private static readonly string[] GoFiles = ["handler", "store", "worker"];
    private static readonly string[] TypeScriptRoles = ["service", "controller", "repository"];
    private static readonly string[] TestedRoles = ["Handler", "Service"];
    private static readonly string[] ClassRoles = ["Handler", "Service", "Repository", "Worker", "Options"];

    [GeneratedRegex(@"\{([A-Z][A-Z0-9]*)\}", RegexOptions.CultureInvariant)]
    private static partial Regex Slot();

    /// <summary>Slot values shared by the templates rendered within it.</summary>
    internal sealed class Scope(LongChatSlots owner, LongChatEntity focus)
    {
        private readonly Dictionary<string, string> values = new(StringComparer.Ordinal);

        /// <summary>The component the scope is about.</summary>
        public LongChatEntity Focus => focus;

        /// <summary>Fills a sentence template and capitalises its first letter, which may come from a slot.</summary>
        /// <param name="template">Sentence template.</param>
        /// <returns>The sentence.</returns>
        public string Sentence(string template) => Capitalize(Fill(template));

        /// <summary>Fills every slot of <paramref name="template"/>, leaving everything else as is (for code).</summary>
        /// <param name="template">Template text.</param>
        /// <returns>The filled text.</returns>
        public string Fill(string template) =>
            Slot().Replace(template, m =>
            {
                string name = m.Groups[1].Value;
                if (!values.TryGetValue(name, out string? value))
                {
                    value = owner.Draw(name, focus, values);
                    values[name] = value;
                }

                return value;
            });
    }

    /// <summary>Upper-cases the first character, for sentences that start with a slot such as "the billing service".</summary>
    /// <param name="text">Text.</param>
    /// <returns>The text with an upper-case first character.</returns>
    public static string Capitalize(string text) =>
        text.Length == 0 || !char.IsLower(text[0]) ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
