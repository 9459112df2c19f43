// Search within a cube: ranked hits with their score and every component of it (the API's `explain`).

import { api } from './api.js';
import { clip, el, empty, num, section, table } from './dom.js';
import { memoryHref } from './routes.js';

/** The search form; submitting calls `onSearch(query)`. */
export function searchForm(query, onSearch) {
  const input = el('input', { type: 'search', name: 'q', value: query ?? '', placeholder: 'Search this cube', testid: 'search-input', 'aria-label': 'Search query' });
  return el('form', {
    class: 'search', role: 'search', testid: 'search-form',
    onsubmit: event => { event.preventDefault(); onSearch(input.value.trim()); },
  }, input, el('button', { type: 'submit', testid: 'search-submit' }, 'Search'));
}

/** The hits for `query`, each with its score and score components. */
export async function searchResults(cube, query) {
  const response = await api.search(cube, query);
  const pending = response.pendingEmbeddings > 0 ? el('p', { class: 'hint' }, `${response.pendingEmbeddings} memories still wait for their vectors and are found by words only.`) : null;
  const body = response.hits.length === 0
    ? empty('No memory matches.', 'no-hits')
    : table(['#', 'Score', 'Components', 'Memory'], response.hits, hit => [
        hit.rank,
        el('span', { class: 'score', testid: 'hit-score' }, num(hit.score, 4)),
        components(hit.components),
        el('a', { href: memoryHref(hit.memory.id), testid: 'hit-link' }, clip(hit.passage?.text ?? hit.memory.text, 160)),
      ], () => ({ testid: 'search-hit' }));
  return section(`Search “${query}” (${response.retriever})`, 'search-results', pending, body);
}

function components(values) {
  const entries = Object.entries(values ?? {});
  if (entries.length === 0) return '';
  return el('ul', { class: 'components' }, entries.map(([name, value]) =>
    el('li', { testid: 'hit-component', 'data-name': name }, el('span', {}, name), ' ', el('b', {}, num(value, 4)))));
}
