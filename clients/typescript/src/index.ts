// The AgentMem REST client: openapi-fetch over the types openapi-typescript generates from /openapi/v1.json (src/schema.ts).
// Every call is typed by path and method; `unwrap` turns a problem-details answer into an AgentMemError.
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { components, operations, paths } from "./schema.js";

export type { components, operations, paths };

type Schemas = components["schemas"];
export type Cube = Schemas["CubeDto"];
export type Memory = Schemas["MemoryDto"];
export type NewMemory = Schemas["NewMemory"];
export type AddedMemory = Schemas["AddedMemory"];
export type SearchResponse = Schemas["SearchResponse"];
export type ContextResponse = Schemas["ContextResponse"];
export type ProblemDetails = Schemas["ProblemDetails"];

/** A typed client for one AgentMem service. */
export type AgentMemClient = Client<paths>;

export interface AgentMemClientOptions {
  /** The service's base URL, e.g. `http://127.0.0.1:5080` (a trailing slash is dropped). */
  baseUrl: string;
  /** The API key, sent as `Authorization: Bearer KEY`; leave it out only for a service running without keys. */
  apiKey?: string;
  /** A fetch implementation (default: the global one). */
  fetch?: typeof globalThis.fetch;
}

/**
 * Creates a client; calls look like `client.POST("/v1/search", { body: { query: "..." } })`. A path parameter (memory id,
 * cube or user name) that is missing, empty, whitespace only, "." or ".." rejects the call with a TypeError before
 * anything is sent; any other goes out as one percent-encoded segment. Redirects are not followed: a 3xx answer is an
 * error for {@link unwrap}, as it is for the Python client.
 */
export function createAgentMemClient(options: AgentMemClientOptions): AgentMemClient {
  const client = createClient<paths>({
    // Paths in the document start with '/': a trailing slash here would double it.
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    headers: options.apiKey === undefined ? {} : { Authorization: `Bearer ${options.apiKey}` },
    // The service never redirects: a 3xx comes from something in front of it, and following it turned a POST into a GET
    // that "succeeded" with another operation's answer. "manual" hands the 3xx back, so `unwrap` raises AgentMemError.
    redirect: "manual",
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  client.use(pathSegmentGuard);
  return client;
}

// openapi-fetch fills a path parameter in as given (encodeURIComponent), and URL parsing then removes "." and ".." as dot
// segments: an empty or "." id makes GET /v1/memories/{id} the list and PATCH the batch update, ".." makes every path /v1/.
// A middleware sees each call's parameters before fetch, so a bug upstream fails here instead of calling another operation.
const pathSegmentGuard: Middleware = {
  onRequest({ schemaPath, params }) {
    for (const [, name] of schemaPath.matchAll(/\{([^}]+)\}/g)) {
      const value: unknown = params.path?.[name!];
      if (value === undefined || value === null || String(value).trim() === "") {
        throw new TypeError(`The path parameter '${name}' of ${schemaPath} must not be empty.`);
      }
      if (value === "." || value === "..") {
        throw new TypeError(`The path parameter '${name}' of ${schemaPath} must not be '.' or '..': a URL path cannot carry it as a segment.`);
      }
    }
  },
};

/** A non-success answer: the HTTP status and the service's RFC 7807 problem document. */
export class AgentMemError extends Error {
  constructor(
    readonly status: number,
    readonly problem: ProblemDetails | undefined,
  ) {
    super(`AgentMem answered ${status}: ${problem?.title ?? "error"}${problem?.detail ? ` (${problem.detail})` : ""}`);
    this.name = "AgentMemError";
  }
}

/** The data of a successful call (undefined for 204); throws {@link AgentMemError} for an error answer. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (!result.response.ok) {
    throw new AgentMemError(result.response.status, result.error as ProblemDetails | undefined);
  }
  return result.data as T;
}
