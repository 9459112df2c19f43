namespace AgentMem.Benchmarks.Datasets.Synthetic;

/// <summary>
/// Prose templates. Slots are <c>{NAME}</c> with an upper-case name (see <see cref="LongChatSlots"/>);
/// within one paragraph a slot keeps its value. A paragraph renders an ordered random subset of its
/// sentences, so the same template rarely yields the same text twice. No template states one of the
/// attributes in <see cref="LongChatAttributes"/> about a named component: only planted facts and
/// distractors do, so the conversation's world never contradicts itself.
/// </summary>
internal static class LongChatTemplates
{
    /// <summary>Body paragraphs of assistant answers, each a list of sentences.</summary>
    public static IReadOnlyList<string[]> Paragraphs { get; } =
    [
        [
            "The first thing I would look at is how {C} handles partial failures.",
            "Right now a single bad record aborts the whole unit of work, which is why you see {ERR} followed by a cascade of follow-up errors.",
            "If you wrap each record in its own try/catch and push failures into a separate table such as {TABLE}, the happy path keeps moving.",
            "That also gives you something concrete to alert on instead of grepping logs.",
            "It costs maybe {NN} lines of code and makes the behaviour much easier to reason about.",
            "We did something similar for {C2} and the on-call noise dropped noticeably.",
        ],
        [
            "On the testing side, I would not mock the database for {C}.",
            "With {TOOL} you can start a real instance per test class, and the suite still finishes in well under a minute.",
            "Mocks tend to encode what you believe the database does, which is exactly the assumption that broke last time.",
            "Keep a handful of pure unit tests for the mapping logic in {FILE}, and let the integration tests cover the queries.",
            "If the suite gets slow later, share one container across the collection rather than dropping the real database.",
        ],
        [
            "About idempotency: every handler in {C} should be safe to run twice with the same input.",
            "The usual trick is an idempotency key stored next to the result, with a unique index so that a duplicate insert fails fast.",
            "Your current code checks for existence first and then inserts, which races under load.",
            "Let the database enforce it and treat the unique-violation error as success.",
            "That pattern also makes replaying from the outbox harmless.",
            "I would add a test that fires the same message {N} times in parallel and asserts exactly one row.",
        ],
        [
            "Observability for {C} is currently thin.",
            "I would add a histogram for {METRIC} and a counter for failures, tagged by operation but not by user id, to keep cardinality sane.",
            "{TOOL} can scrape it without any extra agent.",
            "Tracing is the bigger win: propagate the trace context through {C2} as well, so that a slow request shows the whole path.",
            "Once that is in place, the question of where the {MS} ms go answers itself.",
            "Start with the three or four spans that matter rather than instrumenting everything.",
        ],
        [
            "For the schema change on {TABLE}, do it in two deployments.",
            "First add the new column as nullable and write to both columns; then backfill in small chunks; only then switch reads and drop the old column.",
            "Doing it in one step would lock the table for as long as the backfill runs, and on {ENV} that is several minutes.",
            "Keep the backfill as a separate script so you can pause it if replication lag climbs.",
            "Write the migration so it can run again safely if it dies halfway.",
        ],
        [
            "The error you pasted, {ERR}, is almost certainly a symptom rather than the cause.",
            "Look a few lines earlier in the log: there is a warning from {C2} about a slow call that precedes every occurrence.",
            "My guess is that requests pile up behind that slow call and the failure surfaces wherever the pressure is highest.",
            "You can confirm it by correlating the request ids across both services.",
            "If the theory holds, fixing {C} alone will only move the problem somewhere else.",
        ],
        [
            "Regarding the structure of {FILE}, it has grown to do three jobs: parsing input, applying business rules and persisting results.",
            "Splitting it along those lines makes each part testable on its own.",
            "The business rules in particular should not know about HTTP or the ORM.",
            "A small {CP}Rules class with pure methods would hold most of the logic that is currently hard to test.",
            "The handler then becomes a thin shell that wires the pieces together.",
            "This is a refactor you can do incrementally over a couple of pull requests.",
        ],
        [
            "Concurrency is where I expect trouble in {C}.",
            "Two workers can pick up the same job because the select and the update are not atomic.",
            "Use SELECT ... FOR UPDATE SKIP LOCKED, or an atomic update that claims the row and returns it.",
            "Either way, add a lease timestamp so that a crashed worker's job becomes visible again.",
            "I have seen this exact bug cause duplicate emails in production more than once.",
            "A load test with {NN} parallel workers should reproduce it locally.",
        ],
        [
            "I would keep the public contract of {C} boring.",
            "Return plain DTOs, version them explicitly, and never leak database entities into responses.",
            "When a field needs to change meaning, add a new field instead of repurposing the old one.",
            "Clients update slower than you think, and some of them are scripts nobody remembers owning.",
            "Document each endpoint with an example request and response in the README or in {TOOL}.",
        ],
        [
            "For pagination on {ROUTE}, switch from offset to keyset pagination.",
            "Offsets get slower the deeper you page, and results shift when rows are inserted between requests.",
            "A cursor built from the sort key plus the id is stable and cheap to query with a composite index.",
            "Encode the cursor as an opaque base64 string so clients do not start constructing it themselves.",
            "The change is backwards compatible if you keep accepting the old parameters for a release or two.",
        ],
        [
            "The CI pipeline for {PROJ} spends most of its time restoring dependencies.",
            "Caching the package directory keyed on the lock file cuts that down considerably.",
            "Split the job so that linting and unit tests run in parallel with the container build.",
            "Integration tests can then start as soon as the image is pushed.",
            "With those two changes I would expect the pipeline to drop from around {NN} minutes to under ten.",
            "Also make the pipeline fail on warnings; it is much cheaper to fix them one at a time.",
        ],
        [
            "Validation belongs at the edge of {C}, not deep inside the domain code.",
            "Parse the request into a type that cannot represent invalid states, and reject everything else with a clear 400 response.",
            "The error body should say which field failed and why, in a machine-readable shape.",
            "Right now the same checks appear in {N} places with slightly different rules, which is how the inconsistency crept in.",
            "Centralising them also makes the OpenAPI description accurate.",
        ],
        [
            "Let me explain why the memory keeps growing in {C}.",
            "The in-memory dictionary that holds per-tenant state never evicts anything, so it grows with every new tenant.",
            "In {ENV} that is fine for a week, and then the process hits its limit and restarts.",
            "Either bound it with a size-limited structure or move the state out of process entirely.",
            "A heap snapshot taken before and after a load test will show the dictionary at the top of the retained size list.",
        ],
        [
            "On error handling in {LANG}, be explicit about which failures are expected.",
            "A missing record is a normal outcome and should be a return value, not an exception.",
            "A lost database connection is exceptional and should bubble up to the top-level handler, which logs it once.",
            "Logging the same exception at every layer is what makes the logs of {C} so hard to read today.",
            "Pick one place to log, and let the others add context and rethrow.",
            "The code gets shorter, too.",
        ],
        [
            "The outbox pattern would fix the lost-event problem between {C} and {C2}.",
            "Write the event into an outbox table in the same transaction as the state change, and have a relay publish it afterwards.",
            "If the relay crashes, it simply picks up where it left off, because the rows are still there.",
            "Consumers must be idempotent, since the relay can publish a message twice after a crash.",
            "Delete or archive relayed rows on a schedule, otherwise {TABLE} and the outbox grow without bound.",
        ],
        [
            "About the slow query on {TABLE}: the plan shows a sequential scan because the filter uses a function on the column.",
            "Wrapping the column in lower() disables the ordinary index.",
            "Either create an expression index on lower(email) or store the normalised value in its own column.",
            "After that, the query should take a few milliseconds instead of the {MS} ms you measured.",
            "Run EXPLAIN ANALYZE again afterwards to confirm the index is actually used.",
            "Also check the statistics are fresh; a stale estimate can make the planner ignore a perfectly good index.",
        ],
        [
            "Secrets handling in {PROJ} needs a cleanup.",
            "The connection string is committed in an example config, and I am fairly sure the same value is used in {ENV}.",
            "Rotate it first, then move secrets into Vault or the platform's secret store and inject them at startup.",
            "Add a pre-commit hook that scans for high-entropy strings so this does not happen again.",
            "None of this is urgent in the sense of an outage, but it is the kind of thing an auditor will flag.",
        ],
        [
            "When it comes to dependency injection in {FW}, keep the registrations in one place per module.",
            "The current startup code registers services in the order someone happened to add them, which makes lifetimes hard to audit.",
            "A singleton that captures a scoped service is the classic bug here, and I think {CP}Client does exactly that.",
            "Enable scope validation in development so the container throws at startup instead of misbehaving at runtime.",
            "It is one line of configuration and it catches a whole class of problems.",
        ],
        [
            "The flaky test in {TESTFILE} fails because it depends on wall-clock time.",
            "When the suite runs near midnight UTC, the computed date rolls over and the assertion breaks.",
            "Inject a clock abstraction and pin it to a fixed instant in the test.",
            "{P} reported the same flake in standup last week, so fixing it will save everyone a rerun or two.",
            "While you are there, remove the sleep calls; polling with a timeout is more reliable and faster.",
        ],
        [
            "Let me sketch how the data flows through {C}.",
            "A request arrives at {ROUTE}, is validated and turned into a command.",
            "The command handler loads the aggregate, applies the change and saves it together with an outbox entry.",
            "A background worker then publishes the entry, and {C2} picks it up to update its own read model.",
            "Every step has a clear owner of failure, which is the property you were missing before.",
            "Drawing this on a whiteboard with the team would take twenty minutes and save a lot of confusion.",
        ],
        [
            "Performance-wise, the hot path in {C} allocates far more than it needs to.",
            "The profiler shows that most of the time goes into serialising the same lookup table on every request.",
            "Serialise it once at startup, or cache the serialised bytes, and the allocation rate should drop by roughly {PCT} percent.",
            "Do not micro-optimise the rest until that is done; it dwarfs everything else in the flame graph.",
            "Measure with a realistic payload, not the tiny fixture from the unit tests.",
        ],
        [
            "For local development, a single Docker Compose file that starts {C} and its dependencies would help new people a lot.",
            "Today the README lists {N} manual steps, and at least one of them is out of date.",
            "Seed data should come from a script checked into the repo, not from a dump on someone's laptop.",
            "Make the default configuration work out of the box so that cloning and running one command is enough.",
            "{P2} mentioned it took them most of their first day to get everything running.",
        ],
        [
            "The logging format of {C} should be structured JSON in {ENV}.",
            "Free-text messages with interpolated values are hard to query, and they break the grouping in {TOOL}.",
            "Log the event name as a constant template and the values as separate properties.",
            "Keep personal data out of the logs entirely, or hash it if you need it for correlation.",
            "A consistent request id property on every line is the single most useful field you can add.",
        ],
        [
            "I would treat the {KEY} setting as part of the deployment, not the code.",
            "Defaults in code are fine for development, but the real value should come from the environment so that operations can change it without a release.",
            "Validate the configuration at startup and fail with a clear message if something is missing.",
            "A service that starts with a broken configuration and fails on the first request is much harder to debug.",
            "List every setting with a short explanation in one place; it doubles as documentation.",
        ],
        [
            "Caching in general is where subtle bugs like this one come from.",
            "The invalidation path in {C} only covers updates, so deletions leave stale entries behind.",
            "Either invalidate on every write, including deletes, or accept staleness explicitly and document how long it can last.",
            "What you should not do is add a second cache layer to hide the first one's problems.",
            "Write a test that deletes a record and reads it back through the cached path.",
        ],
        [
            "For the background jobs, separate scheduling from execution.",
            "The scheduler should only enqueue work; the workers pick it up and can be scaled independently.",
            "That way a long-running job does not delay the next tick, and a crash does not lose the schedule.",
            "Record each run in {TABLE} with start time, end time and outcome, so you can see at a glance what happened overnight.",
            "An admin page that lists the last {NN} runs is cheap to build and saves a lot of log diving.",
        ],
        [
            "Your question about microservices versus a modular monolith for {PROJ} deserves a straight answer.",
            "With a team of this size I would stay with the monolith and enforce module boundaries in code.",
            "Extract a service only when it has a genuinely different scaling or release profile, as {C} arguably does.",
            "Every network boundary adds failure modes, deployment work and versioning headaches.",
            "You can always split later if the module boundaries are clean; merging services back is much harder.",
        ],
        [
            "Security review of {ROUTE}: the endpoint trusts the tenant id in the request body.",
            "A malicious client can set it to another tenant and read their data.",
            "Derive the tenant from the authenticated principal instead and ignore whatever the body says.",
            "Add an authorisation test for each endpoint that tries to access another tenant's resource and expects a 404.",
            "This is the most important item in this answer; the rest is polish.",
        ],
        [
            "Naming is a small thing, but {FILE} mixes three conventions.",
            "Some methods are verbs, some are nouns, and a few are abbreviations that only make sense with the history.",
            "Pick the convention the rest of the {LANG} code uses and rename in one mechanical commit so the diff is easy to review.",
            "Good names make the next reader's job easier, and that reader is usually you in six months.",
            "Do not mix the rename with behaviour changes.",
        ],
        [
            "The retry loop you wrote around the call to {C2} has no jitter.",
            "When the downstream recovers, every client retries at the same moment and knocks it over again.",
            "Add randomised jitter to the backoff, and make sure non-transient errors like validation failures are not retried at all.",
            "{TOOL} has a policy builder that does this well if you prefer not to hand-roll it.",
            "Also log the final failure once, with the number of attempts, rather than every attempt.",
        ],
        [
            "Feature work on {C} keeps colliding with the release branch.",
            "Trunk-based development with short-lived branches would reduce the merge pain considerably.",
            "Unfinished features can ship disabled, and the release becomes a matter of tagging a commit that already passed CI.",
            "This needs discipline around small pull requests, which the team already mostly has.",
            "{P} suggested trying it for one sprint and reviewing afterwards, which sounds like a sensible experiment.",
        ],
        [
            "The health checks of {C} conflate liveness and readiness.",
            "Liveness should only say whether the process is stuck; readiness says whether it can serve traffic right now.",
            "If the database is down, the service is not ready, but restarting it will not help, so liveness must stay green.",
            "Today a database blip makes the orchestrator restart every pod at once, which turns a short outage into a long one.",
            "Split the endpoints and keep the liveness check trivial.",
        ],
        [
            "Time zones are a recurring source of bugs in {PROJ}.",
            "Store every timestamp in UTC and convert only at the edges, when displaying or when interpreting user input.",
            "The report code currently converts twice, which is why the totals at the end of the month are off by a few hours.",
            "Carry the user's time zone explicitly instead of relying on the server's local setting.",
            "Tests should run with a non-UTC zone at least once in CI, to catch accidental local-time usage.",
        ],
        [
            "I read through the pull request for {C} and have three main comments.",
            "The new abstraction around {C2} only has one implementation and makes the call sites harder to follow.",
            "Error cases are tested, which is great, but the happy-path test asserts almost nothing.",
            "The migration is missing a down script, which the team agreed to always include.",
            "Everything else is small stuff I left as inline comments.",
            "Once those are addressed I am happy for it to be merged.",
        ],
        [
            "To roll this out safely, deploy to {ENV} first and let it soak for a day.",
            "Watch {METRIC} and the error rate of {C} compared with the previous week.",
            "If both look normal, enable it for a small slice of production traffic and widen gradually.",
            "Have the rollback command written down before you start, not looked up during an incident.",
            "Announce the rollout window in the team channel so nobody is surprised by a spike in the graphs.",
        ],
        [
            "The way {C} parses dates from the CSV import is fragile.",
            "It assumes the server culture, so a file with day-first dates is silently misread.",
            "Parse with an explicit format and the invariant culture, and reject rows that do not match.",
            "Report rejected rows back to the user with the line number rather than dropping them.",
            "A fixture with a few tricky dates, such as the 12th of the month, makes a good regression test.",
        ],
        [
            "The startup time of {C} has crept up to around {NN} seconds.",
            "Most of it is spent warming caches synchronously before the server accepts requests.",
            "Warm them in the background and report not-ready until they are filled, so the orchestrator does not kill the pod.",
            "Also check for reflection-heavy scanning at startup; it is often the hidden cost in {FW} applications.",
            "Fast startup matters more than it seems, because it bounds how quickly you can recover from a bad deploy.",
        ],
        [
            "Documentation for {C} should start with the why.",
            "A short decision record explaining the constraints saves the next person from undoing a deliberate choice.",
            "Keep it next to the code, in a docs folder, and link it from the README.",
            "Runbooks for the common alerts are the second priority; they should say what to check first and how to mitigate.",
            "Long architecture documents that nobody updates are worse than none.",
        ],
        [
            "On the frontend side, the admin screens talk to {ROUTE} with a request per row.",
            "That is why the page takes several seconds with a few hundred entries.",
            "Add a batch endpoint or include the needed fields in the list response.",
            "The browser's network tab shows the waterfall clearly if you want to convince the rest of the team.",
            "Do not fix it with client-side caching; the data changes too often for that to be safe.",
        ],
        [
            "Think about what happens to {C} during a deploy.",
            "In-flight requests are cut off because the process exits as soon as it receives the termination signal.",
            "Handle the signal, stop accepting new work, finish what is running within a grace period and only then exit.",
            "Queue consumers should stop pulling new messages and let the current ones complete or be redelivered.",
            "Test it by deploying while a load test runs and checking for errors in the client output.",
        ],
        [
            "Multi-tenancy in {PROJ} is currently enforced by convention: every query is supposed to filter by tenant.",
            "Conventions fail eventually, and one missing filter is a data leak.",
            "A global query filter in the data layer, or row-level security in the database, makes the safe behaviour the default.",
            "Keep an escape hatch for admin tooling, but make it explicit and audited.",
            "Add a test that runs every repository method with two tenants and checks isolation.",
        ],
        [
            "The code in {FILE} builds SQL by concatenating strings.",
            "Even if the inputs look safe today, this is an injection vulnerability waiting for a new caller.",
            "Use parameters throughout, and for dynamic sorting use an allow-list of column names.",
            "The change is mechanical and I would do it before anything else in this file.",
            "Static analysis in CI can flag new occurrences automatically.",
        ],
        [
            "Your estimate for {MILESTONE} looks optimistic to me.",
            "The integration work with {C2} is listed as a day, but the contract is not even agreed yet.",
            "I would split the plan into the part you control and the part that depends on other teams, and track the second separately.",
            "Raising the risk early is much better than discovering it in the last week.",
            "{P} can probably tell you how long the last integration of this kind took.",
        ],
        [
            "Error messages returned by {C} currently expose stack traces.",
            "That helps during development but leaks internals to anyone who can trigger an error in {ENV}.",
            "Return a problem-details body with a stable error code and a correlation id, and keep the details in the logs.",
            "Support can then look up the correlation id instead of asking the customer for a screenshot.",
            "It is a small middleware change with a big effect on how professional the API feels.",
        ],
        [
            "Let me summarise the trade-off you are facing with {C}.",
            "Option one is quick: patch the symptom now and live with the extra complexity for a while.",
            "Option two takes longer but removes the root cause and simplifies {FILE} along the way.",
            "Given that {MILESTONE} is coming up, I lean towards option one with a ticket for option two right after.",
            "Just make sure the ticket has enough context that someone else could pick it up.",
        ],
    ];

    /// <summary>Opening paragraphs of assistant answers.</summary>
    public static IReadOnlyList<string[]> Openings { get; } =
    [
        ["Good question.", "There are a few separate issues in what you describe for {C}, so let me take them one at a time."],
        ["Short answer: yes, but not the way the current code in {FILE} tries it.", "Here is how I would approach it."],
        ["I looked at what you pasted.", "The behaviour of {C} makes sense once you see how the pieces interact, and the fix is not big."],
        ["This is a common situation with {FW} projects.", "Below is a walkthrough, with code where it helps."],
        ["Thanks for the context, that helps a lot.", "I will go through the options for {C} and then recommend one."],
        ["Let me restate the problem to make sure I have it right: {C} behaves correctly in isolation but not under load in {ENV}.", "Assuming that is accurate, here is what I think is going on."],
        ["Before the details, one overall remark: most of this is about making {C} easier to operate, not about new features.", "With that framing the priorities become clearer."],
        ["Happy to help with this.", "I will start with the quick wins and then get to the structural changes in {C}."],
    ];

    /// <summary>Closing paragraphs of assistant answers.</summary>
    public static IReadOnlyList<string[]> Closings { get; } =
    [
        ["If you want, paste the updated {FILE} after these changes and I will review it again."],
        ["That is a lot, so to prioritise: do the correctness fixes first, then the observability, and leave the refactor for later.", "Let me know how it goes."],
        ["None of this needs to land at once.", "Small, reversible steps are the safest way to change {C}."],
        ["Tell me which of these you want to tackle first and I can go deeper on it."],
        ["Once the tests pass locally, run the pipeline again and send me the output if anything is still red."],
        ["I think that covers it.", "Ping me if {ERR} shows up again after the change."],
        ["Happy to pair on the tricky part if it helps.", "Good luck with {MILESTONE}."],
    ];

    /// <summary>Markdown section headings.</summary>
    public static IReadOnlyList<string> Headings { get; } =
    [
        "## What is going wrong", "## Root cause", "## Suggested fix", "## Step {N}: clean up {CP}", "## Testing strategy", "## Rollout plan",
        "## Why this matters for {C}", "## Configuration", "## Code changes", "## Observability", "## Open questions", "## Trade-offs",
        "## Data model", "## Error handling", "## Performance notes", "## Security considerations", "## Migration", "## Summary",
        "### A closer look at {FILE}", "### Edge cases", "### What I would not do", "### Follow-ups", "## Next steps", "## Background",
    ];

    /// <summary>Bullet list items.</summary>
    public static IReadOnlyList<string> Bullets { get; } =
    [
        "Add a unit test for the empty-input case in {FILE}.",
        "Log the request id on every line in {C}.",
        "Remove the unused `{CP}Helper` class.",
        "Rename `{KEY}` consistently across environments.",
        "Add an index on `{TABLE}(tenant_id, created_at)`.",
        "Make the handler for `{ROUTE}` return 404 instead of 500 for unknown ids.",
        "Upgrade {TOOL} to the latest minor version.",
        "Document the failure modes of {C} in the runbook.",
        "Add a dashboard panel for `{METRIC}`.",
        "Split the integration tests from the unit tests in CI.",
        "Check that {C2} tolerates duplicate messages.",
        "Guard against {ERR} with a clear error message.",
        "Move magic numbers into named constants.",
        "Drop the retry around non-idempotent calls.",
        "Write a short decision record about the design of {C}.",
        "Clean up the commented-out code in {FILE}.",
        "Add a contract test between {C} and {C2}.",
        "Validate `{KEY}` at startup.",
        "Turn on nullable reference checks in the project.",
        "Bump the base image to pick up the latest security patches.",
        "Ask {P} to review the migration before it runs on {ENV}.",
        "Replace the hand-written JSON parsing with the framework serializer.",
        "Add a load test scenario with {NN} virtual users.",
        "Make the cleanup job delete in batches rather than one statement.",
        "Expose the build version on a diagnostics endpoint.",
        "Archive rows older than the reporting window from `{TABLE}`.",
        "Add structured error codes to the API responses of {C}.",
        "Run the linter in the pre-commit hook, not only in CI.",
    ];

    /// <summary>Short user questions that open an exchange about a component.</summary>
    public static IReadOnlyList<string> UserQuestions { get; } =
    [
        "How should I structure the error handling in {C}?",
        "Can you review the approach for {C} before I open the PR?",
        "Why does {C} get slower every day until we restart it?",
        "What is the cleanest way to test {C} without hitting real services?",
        "We keep seeing {ERR} from {C} in {ENV}. Any idea where to start?",
        "Should {C} and {C2} share a database, or is that a bad idea?",
        "How would you split {FILE}? It is getting out of hand.",
        "Is there a better way to roll out changes to {C} than deploying everything at once?",
        "What would you put on a dashboard for {C}?",
        "Could you explain how the outbox pattern would work between {C} and {C2}?",
        "The CI pipeline takes forever. What can we do about it?",
        "How do I make the jobs in {C} safe to run twice?",
        "Can you help me design the data model for the new part of {C}?",
        "What should the runbook for {C} contain?",
        "I need to add pagination to {ROUTE}. Offset or cursor?",
        "How do we stop leaking stack traces from {C}?",
        "What is the risk in the plan for {MILESTONE}?",
        "Can you sketch the request flow through {C} for the new onboarding docs?",
        "We have a flaky test in {TESTFILE}. Ideas?",
        "How would you handle time zones in the reports?",
        "Is {TOOL} worth adding to the project, or is it overkill?",
        "Can you look at how {C} handles shutdown during deploys?",
        "What is wrong with the way we validate input in {C}?",
        "How should {C} log things so the logs are actually useful?",
        "Any concerns with the security of {ROUTE}?",
        "Could you write a first version of the {CP} handler?",
        "Why does the import in {C} misread some dates?",
        "Monolith or services for {PROJ}, honestly?",
    ];

    /// <summary>Optional sentences after a user question, adding a constraint.</summary>
    public static IReadOnlyList<string> UserConstraints { get; } =
    [
        "We are on {FW} and would rather not add new dependencies.",
        "Keep in mind the team is small and on-call is shared.",
        "It needs to be done before {MILESTONE}.",
        "{P} is worried about the migration part.",
        "Ideally without a big rewrite.",
        "Code examples in {LANG} would help.",
        "I would like to understand the why, not just the fix.",
        "This only happens in {ENV}, never locally.",
    ];

    /// <summary>Prose around pasted material in long user messages: introductions.</summary>
    public static IReadOnlyList<string> PasteIntros { get; } =
    [
        "Here is the current version of {FILE}; something in it makes {C} misbehave.",
        "I am pasting the logs from {ENV} around the time {C} failed.",
        "This is the config we deploy {C} with. Can you sanity-check it?",
        "Below is the stack trace plus the code that produced it.",
        "Sharing the relevant part of the codebase so you can see how {C} is wired up.",
        "Okay, full dump incoming, sorry for the length.",
    ];

    /// <summary>Context sentences between pasted blocks in long user messages.</summary>
    public static IReadOnlyList<string[]> PasteContext { get; } =
    [
        ["Some background: this started after the last deploy to {ENV}.", "Nothing in {C} changed in that release as far as I can tell.", "{P} thinks it is related to the new version of {TOOL}.", "I could not reproduce it locally."],
        ["For context, {C} calls {C2} on every request.", "We added the call about two weeks ago.", "The error rate was fine until traffic picked up on {DAY}.", "I have not touched the retry code."],
        ["A few notes on the setup.", "We run the tests with {TESTTOOL} in CI, and the failure only appears there.", "The database is seeded by a script in the repo.", "I already tried clearing the caches."],
        ["Here is what I have tried so far.", "Restarting fixes it for a few hours.", "Raising the log level did not show anything new.", "The dashboards show {METRIC} climbing before each failure."],
        ["A bit about the design.", "{C} was written quickly for the first customer and never cleaned up.", "Half the logic lives in {FILE}.", "We want to fix it properly this time, not patch it again."],
    ];

    /// <summary>Closing questions of long user messages.</summary>
    public static IReadOnlyList<string> PasteClosings { get; } =
    [
        "What would you change first?",
        "Do you see anything obviously wrong?",
        "Where would you start debugging this?",
        "Is this salvageable or should we rewrite that part?",
        "Can you explain what is happening here?",
        "Any idea what causes this?",
    ];

    /// <summary>Lead-ins that turn a statement into an announced change of an earlier decision.</summary>
    public static IReadOnlyList<string> UpdateLeadIns { get; } =
    [
        "Change of plan after yesterday's review: ",
        "One correction to what we decided earlier: ",
        "Heads-up, this changed in the meantime: ",
        "Following the capacity discussion, we revised this: ",
        "Small but important update: ",
    ];

    /// <summary>Tails of an update that name the superseded value (<c>{OLD}</c>).</summary>
    public static IReadOnlyList<string> UpdateTails { get; } =
    [
        " That replaces {OLD}.",
        " Earlier it was {OLD}, which no longer holds.",
        " Forget the {OLD} we mentioned before.",
    ];

    /// <summary>
    /// Remarks that tie a paragraph to the project at hand; one is mixed into many prose
    /// paragraphs so that advice given twice is not worded identically twice.
    /// </summary>
    public static IReadOnlyList<string> Asides { get; } =
    [
        "This applies to {C} in particular.",
        "The same reasoning holds for {C2}, by the way.",
        "{P} raised a similar point in the last review.",
        "I saw this pattern in the {PROJ} codebase more than once.",
        "It is not a big change in {FW}.",
        "Your test suite with {TESTTOOL} should catch regressions here.",
        "This is also what the {TEAM} team did last year.",
        "Keep an eye on {METRIC} while you do it.",
        "It will make the next incident in {ENV} shorter.",
        "The diff should stay small enough to review in one sitting.",
        "I would not block {MILESTONE} on it, though.",
        "You mentioned {ERR} earlier, and this is related.",
        "{TOOL} can help with that, but it is optional.",
        "There is a short example further down.",
        "This comes up a lot in {LANG} services.",
        "It is worth writing down in the README of {PROJ}.",
        "That was the main source of confusion in the thread with {P2}.",
        "We can revisit this once {C} is stable.",
        "It also makes {FILE} easier to read.",
        "None of this changes the public API of {C}.",
        "I checked this against the code you pasted.",
        "Treat it as a guideline rather than a rule.",
        "The cost is roughly {N} hours of work.",
        "It matters more as {PRODUCT} grows.",
        "Ask {P} if the history behind it is unclear.",
    ];

    /// <summary>Sentence openers; applied only before sentences that start with a function word, which is then lower-cased.</summary>
    public static IReadOnlyList<string> Openers { get; } =
    [
        "In practice, ", "Honestly, ", "In my experience, ", "Concretely, ", "For {PROJ}, ", "As a rule of thumb, ", "To be fair, ",
        "Realistically, ", "In short, ", "From what you pasted, ",
    ];

    /// <summary>First words that may be lower-cased after an opener.</summary>
    public static IReadOnlySet<string> LowerableFirstWords { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "The", "This", "That", "It", "We", "You", "A", "An", "Either", "Once", "Most", "Some", "Every", "When", "Your", "Our", "Then", "All", "Each", "Everything", "None",
    };
}
