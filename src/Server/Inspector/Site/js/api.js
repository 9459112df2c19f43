// Calls to the REST API (/v1), with the key exactly as other clients send it. A 401 asks for the key again and retries.

import { askForKey, currentKey, forgetKey } from './key.js';
import { currentUser } from './user.js';

/** A problem the service answered with (RFC 7807), or a network failure (status 0). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

// The page lives at BASE/ui/, the API at BASE/v1/: resolving against the page keeps both behind the same prefix.
function apiUrl(path, query) {
  const url = new URL('../' + path.replace(/^\//, ''), document.baseURI);
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, value);
  }
  return url;
}

async function call(method, path, { query, body } = {}) {
  // The acting user (user.js) as the API takes it: in the body of a POST, in the query of a GET.
  const user = currentUser();
  if (user && body !== undefined) body = { ...body, user };
  else if (user) query = { ...query, user };
  for (;;) {
    const key = currentKey();
    const headers = { Accept: 'application/json' };
    if (key) headers.Authorization = `Bearer ${key}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(apiUrl(path, query), { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
    } catch (error) {
      throw new ApiError(0, { title: 'The service cannot be reached', detail: String(error) });
    }

    if (response.status === 401) {
      forgetKey();
      await askForKey(key ? 'The service refused this key (401). Enter a valid API key.' : 'This service needs an API key.');
      continue;
    }

    const text = await response.text();
    const data = text ? JSON.parse(text) : null;
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  }
}

/** GET a /v1 path with query parameters (empty ones are left out). */
export const get = (path, query) => call('GET', path, { query });

/** POST a JSON body to a /v1 path. */
export const post = (path, body) => call('POST', path, { body });

// How much of a list a page shows: the API pages lists (at most 1,000 items a call), and a page reads on with `after`
// up to these bounds; a list cut there says so (`more`), never passing the first items off as all of them.
const PAGE = 1000;
export const MAX_LISTED = 2000;
export const MAX_VERSIONS = 1000;

// Reads a paged list from `after` on, page by page, until it ends or holds `max` items; one item past `max` is asked
// for, to tell whether the list goes on. `cursorOf(item)` is the `after` that reads on past the item.
async function paged(path, query, cursorOf, max = MAX_LISTED) {
  const items = [];
  let after = query.after;
  for (;;) {
    const limit = Math.min(PAGE, max + 1 - items.length);
    const page = await get(path, { ...query, after, limit });
    items.push(...page);
    if (page.length < limit) return { items, more: false };
    if (items.length > max) return { items: items.slice(0, max), more: true };
    after = cursorOf(page[page.length - 1]);
  }
}

/** The typed calls the views make. Lists come as `{ items, more }`: `more` says items were left out. */
export const api = {
  cubes: () => get('/v1/cubes'),
  memories: (cube, filters, max = MAX_LISTED) => paged('/v1/memories', { cube, ...filters }, m => m.id, max),
  memory: id => get(`/v1/memories/${encodeURIComponent(id)}`),
  // The newest versions up to the current one (`version`), read from the one before them: oldest first, the API's
  // first page would leave the current version out of a long history. `more`: older versions were left out.
  history: async (id, version) => {
    const after = Math.max(0, version - MAX_VERSIONS);
    const { items } = await paged(`/v1/memories/${encodeURIComponent(id)}/history`, { after }, v => v.version, MAX_VERSIONS);
    return { items, more: after > 0 };
  },
  audit: id => paged(`/v1/memories/${encodeURIComponent(id)}/audit`, {}, a => a.seq),
  // At most `limit` each way (a memory's page: 1,000; a cube's list of cartridges and adapters, one call each: the API's
  // default 100); `moreLinks` and `moreIncoming` say when more were left out.
  links: (id, limit = PAGE) => get(`/v1/memories/${encodeURIComponent(id)}/links`, { limit }),
  search: (cube, query) => post('/v1/search', { cube, query, k: 10, explain: true }),
};
