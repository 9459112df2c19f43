// The inspector's entry point: routes the address fragment to a page and renders it, with breadcrumbs and errors.

import { ApiError } from './api.js';
import { cubePage } from './cube.js';
import { cubesPage } from './cubes.js';
import { clear, el } from './dom.js';
import { askForKey, forgetKey } from './key.js';
import { memoryPage } from './memory.js';
import { cubesHref, currentRoute } from './routes.js';
import { currentUser, setUser } from './user.js';

const view = document.getElementById('view');
const crumbs = document.getElementById('crumbs');
let generation = 0;

async function render() {
  const current = ++generation;
  const { segments, params } = currentRoute();
  view.setAttribute('aria-busy', 'true');
  try {
    const page = segments[0] === 'cubes' && segments[1] ? await cubePage(segments[1], params)
      : segments[0] === 'memories' && segments[1] ? await memoryPage(segments[1])
      : await cubesPage();
    if (current !== generation) return; // a later navigation owns the view now
    document.title = `${page.title} · AgentMem inspector`;
    showCrumbs(page.crumbs);
    clear(view).append(page.node);
  } catch (error) {
    if (current !== generation) return;
    showCrumbs([]);
    clear(view).append(problem(error));
  } finally {
    if (current === generation) view.removeAttribute('aria-busy');
  }
}

function showCrumbs(items) {
  clear(crumbs).append(el('a', { href: cubesHref() }, 'Cubes'));
  for (const item of items) {
    crumbs.append(el('span', { class: 'sep', 'aria-hidden': 'true' }, '›'),
      typeof item === 'string' ? el('span', {}, item) : el('a', { href: item.href }, item.text));
  }
}

function problem(error) {
  const status = error instanceof ApiError && error.status ? `${error.status} ` : '';
  return el('section', { class: 'card error', testid: 'error', role: 'alert' },
    el('h2', {}, `${status}${error.problem?.title ?? 'Something went wrong'}`),
    el('p', {}, error.message));
}

document.getElementById('change-key').addEventListener('click', async () => {
  forgetKey();
  await askForKey('Enter the API key to use.');
  render();
});
const userInput = document.getElementById('user-input');
userInput.value = currentUser() ?? '';
document.getElementById('user-form').addEventListener('submit', event => {
  event.preventDefault();
  setUser(userInput.value);
  userInput.value = currentUser() ?? '';
  render();
});
window.addEventListener('hashchange', render);
render();
