// Round trip against a running service (.ci/clients starts one): AGENTMEM_URL and AGENTMEM_KEY name it.
// The steps share state and run in file order, as node:test runs top-level tests in a file one after another.
import assert from "node:assert/strict";
import { test } from "node:test";
import { AgentMemError, createAgentMemClient, unwrap } from "../src/index.js";

const baseUrl = process.env.AGENTMEM_URL;
const apiKey = process.env.AGENTMEM_KEY;
if (!baseUrl || !apiKey) {
  throw new Error("Set AGENTMEM_URL and AGENTMEM_KEY to a running service and one of its keys (.ci/clients does).");
}

const client = createAgentMemClient({ baseUrl, apiKey });
// A cube of its own per run, so a reused database never mixes runs.
const cube = `ts-roundtrip-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
let id = "";

test("health needs no key", async () => {
  const health = unwrap(await createAgentMemClient({ baseUrl }).GET("/health"));
  assert.equal(health.status, "ok");
});

test("create and list a cube", async () => {
  const created = await client.POST("/v1/cubes", { body: { name: cube, description: "TypeScript round trip" } });
  assert.equal(created.response.status, 201);
  assert.equal(unwrap(created).name, cube);

  const cubes = unwrap(await client.GET("/v1/cubes"));
  assert.ok(cubes.some((c) => c.name === cube));

  const again = await client.POST("/v1/cubes", { body: { name: cube } });
  assert.equal(again.response.status, 409);
  assert.equal(again.error?.status, 409);
});

test("add one memory, and the same text again is de-duplicated", async () => {
  const added = await client.POST("/v1/memories", {
    body: { cube, text: "Caroline went to an LGBTQ support group", actor: "Caroline", session: "s1", tags: ["event"] },
  });
  assert.equal(added.response.status, 201);
  const outcome = unwrap(added);
  assert.equal(outcome.created, true);
  id = outcome.id;

  // The same words from the same speaker: the cube's de-duplication key holds the actor.
  const duplicate = unwrap(await client.POST("/v1/memories", { body: { cube, text: "Caroline went to an LGBTQ support group", actor: "Caroline" } }));
  assert.deepEqual(duplicate, { id, created: false });
});

test("batch add", async () => {
  const outcomes = unwrap(await client.POST("/v1/memories/batch", {
    body: { cube, items: [{ text: "Melanie paints sunsets", actor: "Melanie" }, { text: "Caroline is moving to Sweden", actor: "Caroline" }] },
  }));
  assert.equal(outcomes.length, 2);
  assert.ok(outcomes.every((o) => o.created));
});

test("search with explain", async () => {
  const found = unwrap(await client.POST("/v1/search", { body: { cube, query: "support group", k: 3, mode: "hybrid", explain: true } }));
  assert.equal(found.retriever, "hybrid");
  const top = found.hits[0];
  assert.ok(top, "no hits");
  assert.equal(top.memory.id, id);
  assert.equal(top.rank, 1);
  assert.ok(top.components && Object.keys(top.components).length > 0, "explain gave no score components");
});

test("context", async () => {
  const context = unwrap(await client.POST("/v1/context", { body: { cube, query: "What did Caroline do?", budget: 500 } }));
  assert.ok(context.ids.includes(id));
  assert.match(context.text, /support group/);
  assert.ok(context.tokens > 0 && context.tokens <= 500);
  assert.match(context.tokenizer, /^o200k_base/); // the service's default counter
});

test("update makes a new version, history keeps both", async () => {
  const updated = unwrap(await client.PATCH("/v1/memories/{id}", {
    params: { path: { id } },
    body: { text: "Caroline went to two LGBTQ support groups", reason: "corrected" },
  }));
  assert.equal(updated.version, 2);

  const history = unwrap(await client.GET("/v1/memories/{id}/history", { params: { path: { id } } }));
  assert.deepEqual(history.map((v) => v.version), [1, 2]);
  assert.equal(history[0]?.text, "Caroline went to an LGBTQ support group");

  const current = unwrap(await client.GET("/v1/memories/{id}", { params: { path: { id } } }));
  assert.equal(current.text, "Caroline went to two LGBTQ support groups");
});

test("a body member the service does not take is refused, naming it", async () => {
  // The types name the members, so only a cast gets another past tsc; the service dropped it and wrote the change.
  const body = { text: "Caroline went to no support group", expected_version: 1 } as { text: string };
  const refused = await client.PATCH("/v1/memories/{id}", { params: { path: { id } }, body });
  assert.equal(refused.response.status, 400);
  assert.match(refused.error?.detail ?? "", /'expected_version' \(at \$\.expected_version\)/);
  assert.equal(unwrap(await client.GET("/v1/memories/{id}", { params: { path: { id } } })).version, 2);
});

test("batch update writes every version in one transaction, in order", async () => {
  const written = unwrap(await client.PATCH("/v1/memories", {
    body: { items: [{ id, tags: ["event", "corrected"] }, { id, importance: 0.8, reason: "weighed" }] },
  }));
  assert.deepEqual(written.map((m) => m.version), [3, 4]);

  const refused = await client.PATCH("/v1/memories", { body: { items: [{ id, text: "changed" }, { id: "not-an-id", text: "x" }] } });
  assert.equal(refused.response.status, 400);
  assert.equal(unwrap(await client.GET("/v1/memories/{id}", { params: { path: { id } } })).version, 4);
});

test("freeze blocks updates until unfrozen; state changes batch all or none", async () => {
  const frozen = unwrap(await client.PUT("/v1/memories/{id}/state", { params: { path: { id } }, body: { state: "frozen", reason: "legal hold" } }));
  assert.equal(frozen.state, "frozen");
  const blocked = await client.PATCH("/v1/memories/{id}", { params: { path: { id } }, body: { text: "changed" } });
  assert.equal(blocked.response.status, 409);

  const after = unwrap(await client.PUT("/v1/memories/states", { body: { items: [{ id, state: "active", reason: "hold lifted" }] } }));
  assert.deepEqual(after.map((m) => m.state), ["active"]);
});

test("delete leaves a tombstone, purge removes every version", async () => {
  const tombstone = unwrap(await client.DELETE("/v1/memories/{id}", { params: { path: { id }, query: { reason: "round trip" } } }));
  assert.equal(tombstone.state, "deleted");

  const purged = await client.DELETE("/v1/memories/{id}", { params: { path: { id }, query: { purge: true } } });
  assert.equal(purged.response.status, 204);

  const gone = await client.GET("/v1/memories/{id}", { params: { path: { id } } });
  assert.equal(gone.response.status, 404);
  assert.equal(gone.response.headers.get("content-type"), "application/problem+json");
  assert.throws(() => unwrap(gone), (e: unknown) => e instanceof AgentMemError && e.status === 404 && e.problem?.status === 404);
});

test("401 without a key and with a wrong key", async () => {
  const anonymous = await createAgentMemClient({ baseUrl }).GET("/v1/cubes");
  assert.equal(anonymous.response.status, 401);
  assert.equal(anonymous.response.headers.get("www-authenticate"), "Bearer");
  assert.equal(anonymous.error?.status, 401);

  const wrong = await createAgentMemClient({ baseUrl, apiKey: `${apiKey}-wrong` }).POST("/v1/search", { body: { cube, query: "x" } });
  assert.equal(wrong.response.status, 401);
  assert.match(wrong.error?.detail ?? "", /not valid/);
});

test("a body over the service's limit is answered 413, not a broken connection", async () => {
  // 17 MiB, over the default --max-body-bytes of the service .ci/clients starts (16 MiB). It answered 413 without reading
  // the body, and fetch, which sends a whole body before it reads, failed with EPIPE ("fetch failed").
  const refused = await client.POST("/v1/memories", { body: { cube, text: "x".repeat(17 * 1024 * 1024) } });
  assert.equal(refused.response.status, 413);
  assert.equal(refused.error?.title, "Request body too large");
  assert.match(refused.error?.detail ?? "", /^The request body is larger than the limit of \d+ bytes\.$/);
});

test("the X-Api-Key header works as well as a bearer token", async () => {
  const viaHeader = createAgentMemClient({ baseUrl });
  const cubes = unwrap(await viaHeader.GET("/v1/cubes", { headers: { "X-Api-Key": apiKey } }));
  assert.ok(cubes.some((c) => c.name === cube));
});
