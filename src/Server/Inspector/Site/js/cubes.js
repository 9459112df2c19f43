// The cube list: every cube the key may read.

import { api } from './api.js';
import { el, empty, section, table, when } from './dom.js';
import { cubeHref } from './routes.js';

/** Builds the cube list page. */
export async function cubesPage() {
  const cubes = await api.cubes();
  const list = cubes.length === 0
    ? empty('No cubes yet: add a memory or create a cube through the API.', 'no-cubes')
    : table(['Cube', 'Description', 'Owner', 'Deduplicates', 'Created'], cubes, cube => [
        el('a', { href: cubeHref(cube.name), testid: 'cube-link' }, cube.name),
        cube.description ?? '',
        [cube.ownerUser, cube.ownerAgent].filter(Boolean).join(' / ') || 'whole tenant',
        cube.deduplicate ? 'yes' : 'no',
        when(cube.createdAt),
      ], () => ({ testid: 'cube-row' }));
  return { title: 'Cubes', crumbs: [], node: section('Cubes', 'cube-list', list) };
}
