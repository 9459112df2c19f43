// Small DOM helpers. Text always goes in as text nodes, never as HTML, so memory content cannot inject markup.

/** Creates an element: props are attributes, except `class`, `testid` (data-testid) and `on<event>` listeners. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  setProps(node, props);
  append(node, children);
  return node;
}

/** Sets attributes, `class`, `testid` and `on<event>` listeners on an existing node (HTML or SVG). */
export function setProps(node, props) {
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.setAttribute('class', value);
    else if (name === 'testid') node.setAttribute('data-testid', value);
    else if (name.startsWith('on') && typeof value === 'function') node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
}

/** Appends children (nodes, strings, numbers, nested arrays); null, undefined and false are skipped. */
export function append(node, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** Removes every child of a node. */
export function clear(node) {
  node.replaceChildren();
  return node;
}

/** A section with a heading. */
export function section(title, testid, ...children) {
  return el('section', { class: 'card', testid }, el('h2', {}, title), ...children);
}

/** A table from column headings and rows of cells; `rowProps(row)` adds attributes to each row. */
export function table(headings, rows, cells, rowProps = () => ({})) {
  return el('table', {},
    el('thead', {}, el('tr', {}, headings.map(h => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, rows.map(row => el('tr', rowProps(row), cells(row).map(c => el('td', {}, c))))));
}

/** A definition list from [term, value] pairs; pairs whose value is empty are left out. */
export function facts(pairs, testid) {
  const shown = pairs.filter(([, value]) => value !== null && value !== undefined && value !== '' && !(Array.isArray(value) && value.length === 0));
  return el('dl', { class: 'facts', testid }, shown.map(([term, value]) => [el('dt', {}, term), el('dd', {}, value)]));
}

/** A paragraph saying there is nothing to show. */
export function empty(text, testid) {
  return el('p', { class: 'empty', testid }, text);
}

/** Tag-like chips. */
export function chips(values, testid) {
  return el('span', { class: 'chips' }, (values ?? []).map(v => el('span', { class: 'chip', testid }, v)));
}

/** A local date and time, or an empty string. */
export function when(iso) {
  return iso ? new Date(iso).toLocaleString() : '';
}

/** A number with a fixed count of decimals. */
export function num(value, digits = 3) {
  return typeof value === 'number' ? value.toFixed(digits) : '';
}

/** The start of a text, cut at `length` characters. */
export function clip(text, length = 120) {
  const flat = (text ?? '').replace(/\s+/g, ' ').trim();
  return flat.length <= length ? flat : flat.slice(0, length - 1) + '…';
}

/** How many items a list holds, with a `+` when it was cut short (`more`). */
export function count(list) {
  return `${list.items.length.toLocaleString()}${list.more ? '+' : ''}`;
}

/** A line saying a list was cut short, or null when it was not. */
export function more(cut, text) {
  return cut ? el('p', { class: 'hint', testid: 'more' }, text) : null;
}
