// The inspector's addresses, all in the URL's fragment: #/, #/cubes/NAME?kind=&state=&tag=&q=, #/memories/ID.

/** The address of the cube list. */
export const cubesHref = () => '#/';

/** The address of a cube's page; `params` become its query (filters and search). */
export function cubeHref(cube, params = {}) {
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== ''));
  const suffix = query.toString();
  return `#/cubes/${encodeURIComponent(cube)}${suffix ? '?' + suffix : ''}`;
}

/** The address of a memory's page. */
export const memoryHref = id => `#/memories/${encodeURIComponent(id)}`;

/** The current fragment as path segments and query parameters. */
export function currentRoute() {
  const fragment = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = fragment.split('?', 2);
  const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { segments, params: Object.fromEntries(new URLSearchParams(query)) };
}
