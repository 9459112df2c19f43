// The cube list: every cube the key may read, as the user the page acts as.

import { api } from './api.js';
import { el, empty, section, table, when } from './dom.js';
import { cubeHref } from './routes.js';
import { currentUser } from './user.js';

/** Builds the cube list page. */
export async function cubesPage() {
  const cubes = await api.cubes();
  const user = currentUser();
  // Acting as no user hides every cube a user owns: an empty list then says so rather than that the store is empty.
  const list = cubes.length === 0
    ? empty(user
      ? `No cubes user ${user} may read with this key.`
      : 'No cubes this key can read without naming a user. Cubes a user owns show when you act as that user (User, above); otherwise add a memory or create a cube through the API.', 'no-cubes')
    : table(['Cube', 'Description', 'Owner', 'Deduplicates', 'Created'], cubes, cube => [
        el('a', { href: cubeHref(cube.name), testid: 'cube-link' }, cube.name),
        cube.description ?? '',
        [cube.ownerUser, cube.ownerAgent].filter(Boolean).join(' / ') || 'whole tenant',
        cube.deduplicate ? 'yes' : 'no',
        when(cube.createdAt),
      ], () => ({ testid: 'cube-row' }));
  return { title: 'Cubes', crumbs: [], node: section('Cubes', 'cube-list', list) };
}
