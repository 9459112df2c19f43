using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using AgentMem.MemoryCore;
using AgentMem.MemoryCore.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace AgentMem.Server.Tests;

/// <summary>
/// The web inspector end to end: a real Kestrel on loopback, Debian's Chromium driven headless by Playwright (which cannot
/// download browsers here). Without Chromium the test is skipped with the reason; with <c>AGENTMEM_REQUIRE_CHROMIUM=1</c>
/// (set by <c>.ci/run</c>, which installs it) a missing Chromium fails it.
/// </summary>
public sealed class InspectorBrowserTests(ITestOutputHelper output)
{
    private const string ChromiumPath = "/usr/bin/chromium";
    private const string RequireVariable = "AGENTMEM_REQUIRE_CHROMIUM";

    // Set to 1 to refresh the README's screenshot from this run.
    private const string UpdateScreenshotVariable = "AGENTMEM_UPDATE_SCREENSHOTS";

    [SkippableFact]
    public async Task Key_prompt_cube_search_memory_and_link_work_in_chromium()
    {
        RequireChromium();
        var clock = Stopwatch.StartNew();
        await TestApp.WithKestrelAsync(async (app, baseUrl) =>
        {
            var seed = await InspectorSeed.WriteAsync(app.Services.GetRequiredService<MemoryOS>(), new Scope("tenant-a"));

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ChromiumPath, Headless = true });
            await using var context = await browser.NewContextAsync(new BrowserNewContextOptions
            {
                ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
                Locale = "en-GB",
                TimezoneId = "UTC",
            });
            var page = await context.NewPageAsync();
            page.SetDefaultTimeout(15_000);
            var problems = new List<string>();
            page.PageError += (_, error) => problems.Add("page error: " + error);
            page.Console += (_, message) =>
            {
                // The refused key's 401 is expected; anything else (a script error, a CSP refusal) is a defect.
                if (message.Type == "error" && !message.Text.Contains("status of 401", StringComparison.Ordinal))
                {
                    problems.Add("console: " + message.Text);
                }
            };
            output.WriteLine($"service and browser up after {clock.Elapsed.TotalSeconds:0.0} s");

            // Load: the page asks for a key; a wrong one is refused (401) and asked for again.
            await page.GotoAsync(baseUrl + "/ui");
            var dialog = page.GetByTestId("key-dialog");
            await Expect(dialog).ToBeVisibleAsync();
            await page.GetByTestId("key-input").FillAsync("am_not_a_valid_key");
            await page.GetByTestId("key-submit").ClickAsync();
            await Expect(page.Locator("#key-message")).ToContainTextAsync("refused");
            await Expect(dialog).ToBeVisibleAsync();
            await page.GetByTestId("key-input").FillAsync(TestApp.KeyA);
            await page.GetByTestId("key-submit").ClickAsync();
            await Expect(dialog).ToBeHiddenAsync();

            // The cube: its memories, and the activation memory with its two sources.
            await page.GetByTestId("cube-link").Filter(new LocatorFilterOptions { HasText = InspectorSeed.Cube }).ClickAsync();
            await Expect(page.GetByTestId("memory-row")).ToHaveCountAsync(4);
            var cartridge = page.GetByTestId("binary-row");
            await Expect(cartridge).ToHaveAttributeAsync("data-id", seed.Cartridge.ToString());
            await Expect(cartridge.GetByTestId("source-link")).ToHaveCountAsync(2);
            await page.GetByTestId("filter-kind").SelectOptionAsync(new SelectOptionValue { Value = "activation" });
            await page.GetByTestId("filter-apply").ClickAsync();
            await Expect(page.GetByTestId("memory-row")).ToHaveCountAsync(1);
            await Expect(page.GetByTestId("memory-row")).ToHaveAttributeAsync("data-id", seed.Cartridge.ToString());

            // Search: the hits with their score and each score component, as the API reports them.
            const string query = "tomatoes fence";
            await page.GetByTestId("search-input").FillAsync(query);
            await page.GetByTestId("search-submit").ClickAsync();
            var expected = await SearchAsync(baseUrl, query);
            var hits = page.GetByTestId("search-hit");
            await Expect(hits).ToHaveCountAsync(expected.Count);
            var top = expected[0];
            await Expect(hits.First.GetByTestId("hit-score")).ToHaveTextAsync(top.Score.ToString("F4", CultureInfo.InvariantCulture));
            var components = hits.First.GetByTestId("hit-component");
            await Expect(components).ToHaveCountAsync(top.Components.Count);
            Assert.True(top.Components.Count > 0, "the search asked for explain but the API returned no components");
            foreach (var (name, value) in top.Components)
            {
                await Expect(hits.First.Locator($"[data-testid=hit-component][data-name='{name}']")).ToContainTextAsync(value.ToString("F4", CultureInfo.InvariantCulture));
            }

            // Open a memory: its text, both versions and both audit rows, its two links drawn as graph nodes, and the three
            // memories that link to it (the two notes and the activation memory that encodes it).
            await hits.Filter(new LocatorFilterOptions { HasText = "Caroline planted" }).GetByTestId("hit-link").ClickAsync();
            var view = page.GetByTestId("memory-view");
            await Expect(view).ToHaveAttributeAsync("data-id", seed.Tomatoes.ToString());
            await Expect(page.GetByTestId("memory-text")).ToHaveTextAsync("Caroline planted tomatoes along the south fence");
            await Expect(page.GetByTestId("history-row")).ToHaveCountAsync(2);
            await Expect(page.GetByTestId("audit-row")).ToHaveCountAsync(2);
            await Expect(page.GetByTestId("audit-row").Nth(0)).ToContainTextAsync("add");
            await Expect(page.GetByTestId("audit-row").Nth(1)).ToContainTextAsync("linked to related notes");
            await Expect(page.GetByTestId("graph-node")).ToHaveCountAsync(2);
            await Expect(page.GetByTestId("incoming-row")).ToHaveCountAsync(3);
            await Expect(page.GetByTestId("incoming-row").Nth(2)).ToContainTextAsync("encodes");
            await Expect(page.GetByTestId("provenance")).ToContainTextAsync("D1:3");
            await SaveScreenshotAsync(page);

            // Follow a link: clicking a graph node opens the linked memory.
            await page.Locator($"[data-testid=graph-node][data-id='{seed.Watering}'] circle").ClickAsync();
            await Expect(view).ToHaveAttributeAsync("data-id", seed.Watering.ToString());
            await Expect(page.GetByTestId("memory-text")).ToHaveTextAsync("The tomatoes by the fence need watering every evening in July");
            await Expect(page.GetByTestId("link-row")).ToHaveCountAsync(1);

            // And back through the breadcrumb to the activation memory, whose sources open their memories.
            await page.GetByTestId("crumbs").GetByRole(AriaRole.Link, new LocatorGetByRoleOptions { Name = InspectorSeed.Cube }).ClickAsync();
            await page.GetByTestId("binary-link").ClickAsync();
            await Expect(view).ToHaveAttributeAsync("data-id", seed.Cartridge.ToString());
            await Expect(page.GetByTestId("provenance")).ToContainTextAsync("application/x-agentmem-cartridge");
            await page.GetByTestId("provenance").GetByTestId("source-link").Filter(new LocatorFilterOptions { HasText = "Caroline planted" }).ClickAsync();
            await Expect(view).ToHaveAttributeAsync("data-id", seed.Tomatoes.ToString());

            Assert.Empty(problems);
            output.WriteLine($"whole test {clock.Elapsed.TotalSeconds:0.0} s");
        });
    }

    [SkippableFact]
    public async Task Long_lists_are_read_page_by_page_say_what_they_leave_out_and_the_history_shows_the_current_version()
    {
        // Each list read one page: a cube of thousands showed "Memories (200)", the history its 100 oldest versions (not
        // the current one), the audit trail its 200 oldest lines, and links past 100 went unmentioned.
        RequireChromium();
        await TestApp.WithKestrelAsync(async (app, baseUrl) =>
        {
            var memory = app.Services.GetRequiredService<MemoryOS>();
            var owner = new Scope("tenant-a");
            await memory.CreateCubeAsync(owner, "crowded");
            var hub = (await memory.AddAsync(owner, "crowded", new MemoryDraft("the hub every note links to"))).Id;
            for (int batch = 0; batch < 2; batch++)
            {
                await memory.AddBatchAsync(owner, "crowded", [.. Enumerable.Range(batch * 1000, 1000).Select(i => new MemoryDraft($"crowded note {i}") { Links = [new MemoryLink(hub, "related")] })]);
            }

            await memory.CreateCubeAsync(owner, "edits");
            var edited = (await memory.AddAsync(owner, "edits", new MemoryDraft("edited 0 times"))).Id;
            for (int batch = 0; batch < 2; batch++)
            {
                await memory.UpdateManyAsync(owner, [.. Enumerable.Range(batch * 1000 + 1, 1000).Select(i => new MemoryUpdate(edited, new MemoryChange { Text = $"edited {i} times", Reason = "edit" }))]);
            }

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ChromiumPath, Headless = true });
            await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { Locale = "en-GB", TimezoneId = "UTC" });
            await context.AddInitScriptAsync($"sessionStorage.setItem('agentmem.apiKey', '{TestApp.KeyA}');"); // no key prompt
            var page = await context.NewPageAsync();
            page.SetDefaultTimeout(30_000);
            var problems = new List<string>();
            page.PageError += (_, error) => problems.Add("page error: " + error);
            await page.GotoAsync(baseUrl + "/ui/#/cubes/crowded");

            // The cube: 2,000 of its 2,001 memories, read over the pages, and a word that more are left out.
            await Expect(page.GetByTestId("memory-row")).ToHaveCountAsync(2000, new() { Timeout = 30_000 });
            await Expect(page.GetByTestId("memory-list").Locator("h2")).ToHaveTextAsync("Memories (2,000+)");
            await Expect(page.GetByTestId("memory-list").GetByTestId("more")).ToBeVisibleAsync();

            // The hub: 2,000 memories link to it; the page shows 1,000 and says so.
            await page.GotoAsync($"{baseUrl}/ui/#/memories/{hub}");
            await Expect(page.GetByTestId("incoming-row")).ToHaveCountAsync(1000, new() { Timeout = 30_000 });
            await Expect(page.GetByTestId("incoming").GetByTestId("more")).ToBeVisibleAsync();
            await Expect(page.GetByTestId("links").GetByTestId("more")).ToHaveCountAsync(0);

            // 2,001 versions: the newest 1,000, the current one among them; 2,001 audit lines, 2,000 shown, and a word of the rest.
            await page.GotoAsync($"{baseUrl}/ui/#/memories/{edited}");
            await Expect(page.GetByTestId("memory-text")).ToHaveTextAsync("edited 2000 times", new() { Timeout = 30_000 });
            await Expect(page.GetByTestId("history-row")).ToHaveCountAsync(1000);
            await Expect(page.Locator("[data-testid=history-row].current")).ToContainTextAsync("edited 2000 times");
            await Expect(page.GetByTestId("history").GetByTestId("more")).ToBeVisibleAsync();
            await Expect(page.GetByTestId("audit-row")).ToHaveCountAsync(2000);
            await Expect(page.GetByTestId("audit").GetByTestId("more")).ToBeVisibleAsync();
            Assert.Empty(problems);
        });
    }

    [SkippableFact]
    public async Task A_key_not_bound_to_a_user_acts_as_the_user_the_page_names_and_the_page_remembers_it()
    {
        // The page sent no user: with the tenant's unbound key it acted as the no-user scope, showed "No cubes yet" while
        // alice's cube held memories, and a link to one of them answered 403.
        RequireChromium();
        await TestApp.WithKestrelAsync(async (app, baseUrl) =>
        {
            var memory = app.Services.GetRequiredService<MemoryOS>();
            var alice = new Scope("tenant-a", "alice");
            await memory.CreateCubeAsync(alice, "alicecube");
            var tea = (await memory.AddAsync(alice, "alicecube", new MemoryDraft("alice likes green tea in the morning"))).Id;

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ChromiumPath, Headless = true });
            await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { Locale = "en-GB", TimezoneId = "UTC" });
            await context.AddInitScriptAsync($"sessionStorage.setItem('agentmem.apiKey', '{TestApp.KeyA}');"); // no key prompt
            var page = await context.NewPageAsync();
            page.SetDefaultTimeout(15_000);
            var problems = new List<string>();
            page.PageError += (_, error) => problems.Add("page error: " + error);

            // As the whole tenant the cube is not listed, and the page says how to see a user's cubes.
            await page.GotoAsync(baseUrl + "/ui/");
            await Expect(page.GetByTestId("no-cubes")).ToContainTextAsync("act as that user");

            // Acting as alice: her cube, its memory, a search in it (a POST: the user goes in the body) and the memory's page.
            await page.GetByTestId("user-input").FillAsync("alice");
            await page.GetByTestId("user-apply").ClickAsync();
            await Expect(page.GetByTestId("cube-row")).ToHaveCountAsync(1);
            await page.GetByTestId("cube-link").ClickAsync();
            await Expect(page.GetByTestId("memory-row")).ToHaveAttributeAsync("data-id", tea.ToString());
            await page.GetByTestId("search-input").FillAsync("green tea");
            await page.GetByTestId("search-submit").ClickAsync();
            await Expect(page.GetByTestId("search-hit")).ToHaveCountAsync(1);
            await page.GetByTestId("hit-link").ClickAsync();
            await Expect(page.GetByTestId("memory-text")).ToHaveTextAsync("alice likes green tea in the morning");
            await Expect(page.GetByTestId("audit-row")).ToHaveCountAsync(1);

            // Remembered for the tab: a reload (or a bookmarked address) still acts as alice.
            await page.ReloadAsync();
            await Expect(page.GetByTestId("user-input")).ToHaveValueAsync("alice");
            await Expect(page.GetByTestId("memory-text")).ToHaveTextAsync("alice likes green tea in the morning");

            // Cleared: the whole tenant again.
            await page.GetByTestId("user-input").FillAsync(string.Empty);
            await page.GetByTestId("user-apply").ClickAsync();
            await Expect(page.GetByTestId("error")).ToContainTextAsync("403");
            await page.GotoAsync(baseUrl + "/ui/#/");
            await Expect(page.GetByTestId("no-cubes")).ToBeVisibleAsync();
            Assert.Empty(problems);
        });
    }

    private static void RequireChromium()
    {
        if (File.Exists(ChromiumPath))
        {
            return;
        }

        if (Environment.GetEnvironmentVariable(RequireVariable) == "1")
        {
            throw new InvalidOperationException($"{RequireVariable}=1 but {ChromiumPath} is missing: CI must run the browser test (apt-get install chromium).");
        }

        Skip.If(true, $"{ChromiumPath} is missing: install Debian's chromium (apt-get install chromium) to run the inspector's browser test");
    }

    private static async Task<List<(double Score, Dictionary<string, double> Components)>> SearchAsync(string baseUrl, string query)
    {
        using var client = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestApp.KeyA);
        var response = await TestApp.ReadJsonAsync(await client.PostAsJsonAsync("/v1/search", new { cube = InspectorSeed.Cube, query, k = 10, explain = true }));
        return response.GetProperty("hits").EnumerateArray()
            .Select(h => (h.GetProperty("score").GetDouble(), h.GetProperty("components").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble())))
            .ToList();
    }

    // The screenshot is a test artefact (TestResults/, ignored by git); the README's copy changes only when asked to.
    private async Task SaveScreenshotAsync(IPage page)
    {
        string artefact = RepoPaths.File("tests", "Server.Tests", "TestResults", "inspector", "inspector.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = artefact, FullPage = true });
        output.WriteLine($"screenshot: {artefact}");
        if (Environment.GetEnvironmentVariable(UpdateScreenshotVariable) == "1")
        {
            string docs = RepoPaths.File("docs", "images", "inspector.png");
            Directory.CreateDirectory(Path.GetDirectoryName(docs)!);
            File.Copy(artefact, docs, overwrite: true);
            output.WriteLine($"README screenshot updated: {docs}");
        }
    }
}
