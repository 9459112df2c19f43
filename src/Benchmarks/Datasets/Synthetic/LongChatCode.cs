namespace AgentMem.Benchmarks.Datasets.Synthetic;

/// <summary>
/// Code and configuration templates for fenced blocks, keyed by markdown fence tag. Slots follow
/// <see cref="LongChatSlots"/>; code braces never clash with them because slot names are upper case.
/// Templates contain no blank lines, so a fenced block stays one paragraph.
/// </summary>
internal static class LongChatCode
{
    /// <summary>Code in the project's own language, by fence tag.</summary>
    public static IReadOnlyDictionary<string, string[]> ByLanguage { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["csharp"] =
        [
            """
            public sealed class {CP}Handler(I{CP}Repository repository, ILogger<{CP}Handler> logger)
            {
                public async Task<Result> HandleAsync(Command command, CancellationToken ct)
                {
                    var existing = await repository.FindAsync(command.Id, ct);
                    if (existing is null)
                    {
                        logger.LogInformation("No {CS} record for {Id}", command.Id);
                        return Result.NotFound();
                    }
                    existing.Apply(command);
                    await repository.SaveAsync(existing, ct);
                    return Result.Ok(existing.Version);
                }
            }
            """,
            """
            builder.Services.AddHttpClient<{CP}Client>(client =>
            {
                client.BaseAddress = new Uri(builder.Configuration["{KEY}"]!);
            })
            .AddStandardResilienceHandler();
            builder.Services.AddScoped<I{CP}Repository, Sql{CP}Repository>();
            builder.Services.AddHostedService<{CP}Worker>();
            var app = builder.Build();
            app.MapGet("{ROUTE}", async (I{CP}Repository repo, CancellationToken ct) =>
                Results.Ok(await repo.ListAsync(ct)));
            app.Run();
            """,
            """
            [Fact]
            public async Task Duplicate_messages_create_one_row()
            {
                await using var db = await TestDatabase.StartAsync();
                var handler = new {CP}Handler(db.Repository, NullLogger<{CP}Handler>.Instance);
                var command = new Command(Id: 42, Amount: {NN});
                await Task.WhenAll(Enumerable.Range(0, {N}).Select(_ => handler.HandleAsync(command, default)));
                Assert.Equal(1, await db.CountAsync("{TABLE}"));
            }
            """,
        ],
        ["python"] =
        [
            """
            class {CP}Service:
                def __init__(self, repo, client, logger):
                    self.repo = repo
                    self.client = client
                    self.log = logger
                def process(self, item_id: int) -> dict:
                    record = self.repo.get(item_id)
                    if record is None:
                        self.log.info("no {CS} record", extra={"item_id": item_id})
                        return {"status": "missing"}
                    result = self.client.post("{ROUTE}", json=record.to_dict())
                    result.raise_for_status()
                    return result.json()
            """,
            """
            @app.get("{ROUTE}")
            async def list_items(cursor: str | None = None, limit: int = {NN}, db=Depends(get_db)):
                query = select(Item).order_by(Item.created_at, Item.id).limit(limit + 1)
                if cursor:
                    created_at, item_id = decode_cursor(cursor)
                    query = query.where(tuple_(Item.created_at, Item.id) > (created_at, item_id))
                rows = (await db.execute(query)).scalars().all()
                next_cursor = encode_cursor(rows[-1]) if len(rows) > limit else None
                return {"items": rows[:limit], "next": next_cursor}
            """,
            """
            def test_duplicate_messages_create_one_row(db, handler):
                message = {"id": 42, "amount": {NN}}
                for _ in range({N}):
                    handler.handle(message)
                assert db.count("{TABLE}") == 1
            """,
        ],
        ["java"] =
        [
            """
            @Service
            public class {CP}Service {
                private final {CP}Repository repository;
                private final Logger log = LoggerFactory.getLogger({CP}Service.class);
                public {CP}Service({CP}Repository repository) {
                    this.repository = repository;
                }
                @Transactional
                public Optional<{CP}> update(long id, UpdateRequest request) {
                    return repository.findById(id).map(entity -> {
                        entity.apply(request);
                        log.info("updated {CS} {}", id);
                        return repository.save(entity);
                    });
                }
            }
            """,
            """
            @RestController
            @RequestMapping("{ROUTE}")
            class {CP}Controller {
                private final {CP}Service service;
                {CP}Controller({CP}Service service) { this.service = service; }
                @GetMapping
                Page<{CP}Dto> list(@RequestParam(defaultValue = "{NN}") int size, Pageable pageable) {
                    return service.list(pageable.withPage(0)).map({CP}Dto::from);
                }
            }
            """,
        ],
        ["typescript"] =
        [
            """
            export class {CP}Service {
              constructor(private readonly repo: {CP}Repository, private readonly log: Logger) {}
              async handle(command: Command): Promise<Result> {
                const existing = await this.repo.find(command.id);
                if (!existing) {
                  this.log.info({ id: command.id }, "no {CS} record");
                  return { status: "not-found" };
                }
                existing.apply(command);
                await this.repo.save(existing);
                return { status: "ok", version: existing.version };
              }
            }
            """,
            """
            router.get("{ROUTE}", async (req, res, next) => {
              try {
                const limit = Math.min(Number(req.query.limit ?? {NN}), 200);
                const items = await db.query("select * from {TABLE} where tenant_id = $1 order by id limit $2", [req.user.tenantId, limit]);
                res.json({ items: items.rows });
              } catch (err) {
                next(err);
              }
            });
            """,
        ],
        ["go"] =
        [
            """
            func (h *{CP}Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
            	ctx, cancel := context.WithTimeout(r.Context(), {MS}*time.Millisecond)
            	defer cancel()
            	item, err := h.repo.Get(ctx, chi.URLParam(r, "id"))
            	if errors.Is(err, sql.ErrNoRows) {
            		http.Error(w, "not found", http.StatusNotFound)
            		return
            	}
            	if err != nil {
            		h.log.Error("get {CS}", "err", err)
            		http.Error(w, "internal error", http.StatusInternalServerError)
            		return
            	}
            	_ = json.NewEncoder(w).Encode(item)
            }
            """,
            """
            func TestDuplicateMessagesCreateOneRow(t *testing.T) {
            	db := testdb.Start(t)
            	h := New{CP}Handler(db)
            	for i := 0; i < {N}; i++ {
            		if err := h.Handle(context.Background(), Message{ID: 42}); err != nil {
            			t.Fatal(err)
            		}
            	}
            	if n := db.Count(t, "{TABLE}"); n != 1 {
            		t.Fatalf("want 1 row, got %d", n)
            	}
            }
            """,
        ],
        ["kotlin"] =
        [
            """
            class {CP}Service(private val repo: {CP}Repository, private val log: Logger) {
                suspend fun handle(command: Command): Result {
                    val existing = repo.find(command.id) ?: return Result.NotFound.also {
                        log.info("no {CS} record for id={}", command.id)
                    }
                    existing.apply(command)
                    repo.save(existing)
                    return Result.Ok(existing.version)
                }
            }
            """,
            """
            fun Route.{CS}Routes(service: {CP}Service) {
                get("{ROUTE}") {
                    val limit = call.request.queryParameters["limit"]?.toIntOrNull() ?: {NN}
                    call.respond(service.list(limit.coerceAtMost(200)))
                }
            }
            """,
        ],
    };

    /// <summary>Language-neutral blocks: infrastructure, SQL, shell, configuration.</summary>
    public static IReadOnlyList<(string Fence, string Text)> Universal { get; } =
    [
        ("yaml", """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: {CK}
              labels:
                app: {CK}
            spec:
              selector:
                matchLabels:
                  app: {CK}
              template:
                spec:
                  containers:
                    - name: {CK}
                      image: registry.internal/{CK}:{GITSHA}
                      resources:
                        requests: { cpu: 250m, memory: 256Mi }
                        limits: { memory: 512Mi }
                      readinessProbe:
                        httpGet: { path: /health/ready, port: http }
            """),
        ("sql", """
            ALTER TABLE {TABLE} ADD COLUMN normalized_email text;
            UPDATE {TABLE} SET normalized_email = lower(email) WHERE id BETWEEN :start AND :end;
            CREATE INDEX CONCURRENTLY ix_{TABLE}_normalized_email ON {TABLE} (normalized_email);
            -- switch reads in the next release, then drop the old expression
            """),
        ("sql", """
            SELECT t.id, t.tenant_id, count(*) AS events, max(e.created_at) AS last_seen
            FROM {TABLE} t
            JOIN audit_events e ON e.subject_id = t.id
            WHERE t.created_at > now() - interval '{N} days'
            GROUP BY t.id, t.tenant_id
            ORDER BY events DESC
            LIMIT {NN};
            """),
        ("bash", """
            set -euo pipefail
            kubectl -n {ENVSLUG} rollout status deploy/{CK} --timeout=120s
            kubectl -n {ENVSLUG} logs deploy/{CK} --since=15m | grep -i "error" | head -n {NN}
            curl -fsS https://{CK}.{ENVSLUG}.internal/health/ready
            """),
        ("dockerfile", """
            FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build
            WORKDIR /src
            COPY . .
            RUN dotnet publish src/{CP} -c Release -o /out
            FROM mcr.microsoft.com/dotnet/aspnet:8.0
            WORKDIR /app
            COPY --from=build /out .
            USER app
            ENTRYPOINT ["dotnet", "{CP}.dll"]
            """),
        ("hcl", """
            module "{CS}" {
              source      = "../modules/service"
              name        = "{CK}"
              environment = "{ENVSLUG}"
              alarms = {
                error_rate_threshold = {PCT}
                evaluation_minutes   = {N}
              }
            }
            """),
        ("json", """
            {
              "Logging": { "LogLevel": { "Default": "Information", "Microsoft.AspNetCore": "Warning" } },
              "{CP}": {
                "Endpoint": "https://{CK}.internal",
                "PageSize": {NN},
                "EnableDiagnostics": false
              },
              "AllowedHosts": "*"
            }
            """),
        ("yaml", """
            name: ci
            on: [push, pull_request]
            jobs:
              test:
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/checkout@v4
                  - uses: actions/cache@v4
                    with:
                      path: ~/.cache
                      key: deps-${{ hashFiles('**/*.lock') }}
                  - run: make lint test
                  - run: make integration-test
            """),
        ("ini", """
            [{CS}]
            log_format = json
            workers = {N}
            shutdown_grace_seconds = {NN}
            upstream = https://{CK}.internal
            """),
    ];
}
