// A memory's links as a small SVG graph: the memory in the middle, the memories it links to around it.
// Built with DOM calls (no markup strings), so memory text is never parsed as markup.

import { append, clip, setProps } from './dom.js';

// The SVG namespace name: an identifier the DOM requires, not an address anything is loaded from.
const svgNamespace = 'http://www.w3.org/2000/svg';
const width = 640;
const height = 340;

function svg(tag, props, ...children) {
  const node = document.createElementNS(svgNamespace, tag);
  setProps(node, props);
  return append(node, children);
}

/** The graph of `memory` and its `links` (from the links endpoint); clicking a node calls `open(id)`. */
export function linkGraph(memory, links, open) {
  const cx = width / 2;
  const cy = height / 2;
  const placed = links.map((link, i) => {
    // The first neighbour sits to the right, the rest around the ellipse: one or two links lie level with the memory.
    const angle = (2 * Math.PI * i) / links.length;
    return { link, x: cx + 230 * Math.cos(angle), y: cy + 115 * Math.sin(angle) };
  });

  const edges = placed.map(({ link, x, y }) => svg('g', { class: `edge ${cssName(link.type)}` },
    svg('line', { x1: cx, y1: cy, x2: x, y2: y, 'stroke-width': 1 + 2 * clamp(link.weight) }),
    svg('text', { x: (cx + x) / 2, y: (cy + y) / 2 - 4, 'text-anchor': 'middle' }, link.type)));

  const nodes = placed.map(({ link, x, y }) => {
    const target = link.target;
    const follow = () => open(target.id);
    return svg('g', {
      class: `node ${target.kind} ${target.state}`, testid: 'graph-node', 'data-id': target.id, tabindex: 0, role: 'link',
      'aria-label': `${link.type}: ${clip(target.text, 80)}`, onclick: follow,
      onkeydown: event => { if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); follow(); } },
    },
    svg('title', {}, target.text),
    svg('circle', { cx: x, cy: y, r: 18 }),
    svg('text', { x, y: y + 34, 'text-anchor': 'middle' }, clip(target.text, 28)));
  });

  const centre = svg('g', { class: `node centre ${memory.kind}`, testid: 'graph-centre', 'data-id': memory.id },
    svg('title', {}, memory.text),
    svg('circle', { cx, cy, r: 26 }),
    svg('text', { x: cx, y: cy + 44, 'text-anchor': 'middle' }, clip(memory.text, 32)));

  return svg('svg', { class: 'graph', viewBox: `0 0 ${width} ${height}`, role: 'group', 'aria-label': 'Links of this memory', testid: 'link-graph' },
    edges, centre, nodes);
}

const clamp = value => Math.min(1, Math.max(0, Number(value) || 0));
const cssName = type => 'type-' + String(type).replace(/[^a-z0-9-]/gi, '');
