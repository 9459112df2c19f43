// One cube: its memories with filters (kind, state, tag), the search box, and its activation and parametric memories.

import { api, MAX_LISTED } from './api.js';
import { binaryMemories } from './binary.js';
import { chips, clip, count, el, empty, more, num, section, table, when } from './dom.js';
import { cubeHref, memoryHref } from './routes.js';
import { searchForm, searchResults } from './search.js';

const kinds = ['plaintext', 'activation', 'parametric'];
const states = ['active', 'frozen', 'archived', 'superseded', 'deleted'];

/** Builds a cube's page; `params` holds the filters and the search query from the address. */
export async function cubePage(cube, params) {
  const filters = { kind: params.kind, state: params.state, tag: params.tag };
  const go = changes => { location.hash = cubeHref(cube, { ...filters, q: params.q, ...changes }); };
  const [memories, results, binary] = await Promise.all([
    api.memories(cube, filters),
    params.q ? searchResults(cube, params.q) : null,
    binaryMemories(cube),
  ]);

  const list = memories.items.length === 0
    ? empty('No memory matches these filters.', 'no-memories')
    : table(['Memory', 'Kind', 'State', 'Tags', 'Importance', 'Links', 'Updated'], memories.items, m => [
        el('a', { href: memoryHref(m.id), testid: 'memory-link' }, clip(m.text)),
        m.kind, m.state, chips(m.tags), num(m.importance, 2), m.linkCount, when(m.updatedAt),
      ], m => ({ testid: 'memory-row', 'data-id': m.id }));

  return {
    title: cube,
    crumbs: [cube],
    node: el('div', { class: 'stack' },
      searchForm(params.q, q => go({ q })),
      results,
      section(`Memories (${count(memories)})`, 'memory-list', filterForm(filters, changes => go(changes)),
        more(memories.more, `Showing the first ${MAX_LISTED.toLocaleString()} (oldest first); more match. Narrow them with the filters or search.`), list),
      binary),
  };
}

function filterForm(filters, apply) {
  const kind = choice('kind', 'Kind', ['any kind', ...kinds], filters.kind, 'filter-kind');
  const state = choice('state', 'State', ['live (active, frozen)', ...states], filters.state, 'filter-state');
  const tag = el('input', { name: 'tag', value: filters.tag ?? '', placeholder: 'tag', testid: 'filter-tag', 'aria-label': 'Tag' });
  return el('form', {
    class: 'filters', testid: 'filters',
    onsubmit: event => {
      event.preventDefault();
      apply({ kind: kind.select.value, state: state.select.value, tag: tag.value.trim() });
    },
  }, kind.label, state.label, tag, el('button', { type: 'submit', testid: 'filter-apply' }, 'Filter'));
}

// A select whose first option means "no filter" (empty value).
function choice(name, text, options, selected, testid) {
  const select = el('select', { name, testid }, options.map((option, i) =>
    el('option', { value: i === 0 ? '' : option, selected: (i === 0 ? !selected : option === selected) }, option)));
  return { select, label: el('label', {}, text, ' ', select) };
}
