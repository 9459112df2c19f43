// The client on its own, without a service: a stub fetch records the calls and answers each with 200 and {}.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { AgentMemError, createAgentMemClient, unwrap } from "../src/index.js";

const calls: string[] = [];
const redirects: RequestRedirect[] = [];
const stub: typeof globalThis.fetch = async (input, init) => {
  const request = input instanceof Request ? input : new Request(input, init);
  const url = new URL(request.url);
  calls.push(`${request.method} ${url.pathname}`);
  redirects.push(request.redirect);
  return new Response("{}", { status: 200, headers: { "Content-Type": "application/json" } });
};
const client = createAgentMemClient({ baseUrl: "http://127.0.0.1:9", fetch: stub });

beforeEach(() => {
  calls.length = 0;
  redirects.length = 0;
});

// Each value would make the path another operation's: "" and "." give /v1/memories/ (list, or the batch PATCH), ".." /v1/.
const refused: { value: unknown; message: RegExp }[] = [
  { value: "", message: /must not be empty/ },
  { value: "  ", message: /must not be empty/ },
  { value: undefined, message: /must not be empty/ },
  { value: ".", message: /'\.' or '\.\.'/ },
  { value: "..", message: /'\.' or '\.\.'/ },
];

test("an empty, '.' or '..' path parameter is refused before any call", async () => {
  for (const { value, message } of refused) {
    const id = value as string;
    const attempts: [string, () => Promise<unknown>][] = [
      ["GET memory", () => client.GET("/v1/memories/{id}", { params: { path: { id } } })],
      ["PATCH memory", () => client.PATCH("/v1/memories/{id}", { params: { path: { id } }, body: { text: "x" } })],
      ["DELETE memory", () => client.DELETE("/v1/memories/{id}", { params: { path: { id } } })],
      ["history", () => client.GET("/v1/memories/{id}/history", { params: { path: { id } } })],
      ["GET cube", () => client.GET("/v1/cubes/{cube}", { params: { path: { cube: id } } })],
      ["forget user", () => client.POST("/v1/users/{user}/forget", { params: { path: { user: id } } })],
    ];
    for (const [what, attempt] of attempts) {
      await assert.rejects(attempt, (e: unknown) => e instanceof TypeError && message.test(e.message), `${what} with ${JSON.stringify(value)}`);
    }
  }
  assert.deepEqual(calls, []);
});

test("any other path parameter goes out as one escaped segment", async () => {
  await client.GET("/v1/memories/{id}", { params: { path: { id: "a b" } } });
  await client.GET("/v1/cubes/{cube}", { params: { path: { cube: "team/support" } } });
  await client.GET("/v1/cubes/{cube}", { params: { path: { cube: "..." } } });
  await client.GET("/v1/cubes/{cube}", { params: { path: { cube: " . " } } });
  await client.POST("/v1/users/{user}/forget", { params: { path: { user: "%2e" } } });
  await client.GET("/v1/cubes");
  assert.deepEqual(calls, [
    "GET /v1/memories/a%20b",
    "GET /v1/cubes/team%2Fsupport",
    "GET /v1/cubes/...",
    "GET /v1/cubes/%20.%20",
    "POST /v1/users/%252e/forget",
    "GET /v1/cubes",
  ]);
});

test("a redirect is handed back as an error, not followed", async () => {
  await client.GET("/v1/cubes");
  assert.deepEqual(redirects, ["manual"]);
  // What fetch gives back for a 301 under redirect: "manual" (Node's fetch keeps the status and Location).
  const proxy: typeof globalThis.fetch = async () =>
    new Response(null, { status: 301, headers: { Location: "http://elsewhere.example/v1/cubes" } });
  const moved = createAgentMemClient({ baseUrl: "http://127.0.0.1:9", fetch: proxy });
  const result = await moved.POST("/v1/cubes", { body: { name: "work" } });
  assert.throws(() => unwrap(result), (e: unknown) => e instanceof AgentMemError && e.status === 301);
});
