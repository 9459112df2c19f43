// Activation memories (KV cartridges) and parametric memories (weight deltas), each with the memories it was built from.

import { api } from './api.js';
import { chips, clip, el, empty, more, section } from './dom.js';
import { memoryHref } from './routes.js';

// Each one shown costs a call for its sources.
const MAX_BINARY = 200;

/** The cube's live activation and parametric memories, each with its payload and its sources (clickable). */
export async function binaryMemories(cube) {
  const [activation, parametric] = await Promise.all([
    api.memories(cube, { kind: 'activation' }, MAX_BINARY),
    api.memories(cube, { kind: 'parametric' }, MAX_BINARY),
  ]);
  const items = [...activation.items, ...parametric.items];
  const cut = more(activation.more || parametric.more, `Showing the first ${MAX_BINARY} of each kind; the cube holds more.`);
  if (items.length === 0) {
    return section('Activation and parametric memories', 'binary-list', empty('None in this cube.', 'no-binary'));
  }

  // One call per listed memory, each link carrying its target: a short source list each (the list says when it was cut).
  const linked = await Promise.all(items.map(item => api.links(item.id, 100)));
  return section('Activation and parametric memories', 'binary-list', cut,
    el('ul', { class: 'binary' }, items.map((item, i) => el('li', { testid: 'binary-row', 'data-id': item.id },
      el('div', {}, el('span', { class: `kind ${item.kind}` }, item.kind), ' ', el('a', { href: memoryHref(item.id), testid: 'binary-link' }, clip(item.text, 140))),
      item.payload ? el('div', { class: 'hint' }, `${item.payload.mediaType}, ${item.payload.sizeBytes.toLocaleString()} bytes, sha256 ${item.payload.sha256.slice(0, 12)}…`) : null,
      sourceList(linked[i])))));
}

/** A memory's sources: the memories its links point to (for a cartridge, the `encodes` links). */
export function sourceList(links) {
  if (links.links.length === 0) return empty('No sources recorded.', 'no-sources');
  return [el('ol', { class: 'sources', testid: 'source-list' }, links.links.map(link => el('li', {},
    chips([link.type]), ' ',
    el('a', { href: memoryHref(link.target.id), testid: 'source-link' }, clip(link.target.text, 100))))),
  more(links.moreLinks, `Showing the first ${links.links.length.toLocaleString()} sources; there are more.`)];
}
