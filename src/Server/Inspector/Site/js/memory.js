// One memory: its text, metadata, provenance (with sources for activation and parametric memories), links as a graph,
// the memories that link to it, every version, and its audit trail.

import { api, MAX_LISTED, MAX_VERSIONS } from './api.js';
import { sourceList } from './binary.js';
import { chips, clip, count, el, empty, facts, more, num, section, table, when } from './dom.js';
import { linkGraph } from './graph.js';
import { cubeHref, memoryHref } from './routes.js';

/** Builds a memory's page. */
export async function memoryPage(id) {
  // The memory first: its version says where the newest versions start.
  const memory = await api.memory(id);
  const [history, audit, links, cubes] = await Promise.all([
    api.history(id, memory.version), api.audit(id), api.links(id), api.cubes(),
  ]);
  const cube = cubes.find(c => c.id === memory.cubeId)?.name ?? memory.cubeId;
  const open = target => { location.hash = memoryHref(target); };

  return {
    title: clip(memory.text, 40),
    crumbs: [{ text: cube, href: cubeHref(cube) }, `memory ${memory.id}`],
    node: el('div', { class: 'stack', testid: 'memory-view', 'data-id': memory.id },
      el('section', { class: 'card' },
        el('h1', {}, el('span', { class: `kind ${memory.kind}` }, memory.kind), ' ', el('span', { class: `state ${memory.state}` }, memory.state)),
        el('blockquote', { class: 'text', testid: 'memory-text' }, memory.text),
        facts([
          ['Id', el('code', {}, memory.id)],
          ['Cube', cube],
          ['Version', memory.version],
          ['State reason', memory.stateReason],
          ['Tags', memory.tags.length ? chips(memory.tags) : null],
          ['Keywords', memory.keywords.length ? chips(memory.keywords) : null],
          ['Context', memory.context],
          ['Importance', num(memory.importance, 2)],
          ['User', memory.user],
          ['Agent', memory.agent],
          ['Session', memory.session],
          ['Holds from', when(memory.validFrom)],
          ['Holds until', when(memory.validTo)],
          ['Updated', when(memory.updatedAt)],
        ], 'memory-meta')),
      section('Provenance', 'provenance', facts([
        ['Source', memory.source],
        ['Reference', memory.sourceRef],
        ['Actor', memory.actor],
        ['Recorded', when(memory.recordedAt)],
        ['Payload', memory.payload ? el('code', {}, memory.payload.uri) : null],
        ['Format', memory.payload?.mediaType],
        ['Size', memory.payload ? `${memory.payload.sizeBytes.toLocaleString()} bytes` : null],
        ['SHA-256', memory.payload ? el('code', {}, memory.payload.sha256) : null],
      ]), memory.kind === 'plaintext' ? null : [el('h3', {}, 'Sources'), sourceList(links)]),
      section(`Links (${links.links.length}${links.moreLinks ? '+' : ''})`, 'links',
        links.links.length === 0 ? empty('No links.', 'no-links') : [
          linkGraph(memory, links.links, open),
          table(['Type', 'Weight', 'Reason', 'Memory'], links.links, link => [
            link.type, num(link.weight, 2), link.reason ?? '',
            el('a', { href: memoryHref(link.target.id), testid: 'link-target' }, clip(link.target.text, 100)),
          ], () => ({ testid: 'link-row' })),
        ],
        more(links.moreLinks, `Showing the first ${links.links.length.toLocaleString()} links; there are more.`),
        links.hidden > 0 ? el('p', { class: 'hint' }, `${links.hidden} more link(s) point to memories this key cannot read or that were purged.`) : null),
      section(`Linked from (${links.incoming.length}${links.moreIncoming ? '+' : ''})`, 'incoming',
        more(links.moreIncoming, `Showing the first ${links.incoming.length.toLocaleString()} memories that link here; there are more.`),
        links.incoming.length === 0 ? empty('No live memory of this cube links here.', 'no-incoming') :
          table(['Type', 'Weight', 'Reason', 'Memory'], links.incoming, link => [
            link.type, num(link.weight, 2), link.reason ?? '',
            el('a', { href: memoryHref(link.source.id), testid: 'incoming-source' }, clip(link.source.text, 100)),
          ], () => ({ testid: 'incoming-row' }))),
      section(`Versions (${count(history)})`, 'history',
        more(history.more, `Showing the newest ${MAX_VERSIONS.toLocaleString()}, the current one last; older versions are left out.`),
        table(['Version', 'State', 'Reason', 'Written', 'Text'], history.items, v => [
          v.version, v.state, v.stateReason ?? '', when(v.updatedAt), clip(v.text, 100),
        ], v => ({ testid: 'history-row', class: v.version === memory.version ? 'current' : null }))),
      section(`Audit trail (${count(audit)})`, 'audit',
        more(audit.more, `Showing the first ${MAX_LISTED.toLocaleString()} lines (oldest first); the newest are left out.`),
        audit.items.length === 0 ? empty('No audit records.', 'no-audit') : table(['When', 'Action', 'Version', 'User', 'Agent', 'Detail'], audit.items, a => [
          when(a.at), a.action, a.version ?? '', a.user ?? '', a.agent ?? '', a.detail ?? '',
        ], () => ({ testid: 'audit-row' })))),
  };
}
