// Calls to the REST API (/v1), with the key exactly as other clients send it. A 401 asks for the key again and retries.

import { askForKey, currentKey, forgetKey } from './key.js';

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

/** The typed calls the views make. */
export const api = {
  cubes: () => get('/v1/cubes'),
  memories: (cube, filters) => get('/v1/memories', { cube, limit: 200, ...filters }),
  memory: id => get(`/v1/memories/${encodeURIComponent(id)}`),
  history: id => get(`/v1/memories/${encodeURIComponent(id)}/history`),
  audit: id => get(`/v1/memories/${encodeURIComponent(id)}/audit`),
  links: id => get(`/v1/memories/${encodeURIComponent(id)}/links`),
  search: (cube, query) => post('/v1/search', { cube, query, k: 10, explain: true }),
};
