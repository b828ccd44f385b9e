// IssueCore dashboard: one plain script over the IssueCore HTTP API, no build step, no dependencies.
// Everything shown is built with DOM nodes and textContent, never parsed from strings, so data from issues cannot inject
// markup; the page's Content-Security-Policy forbids inline code and any other origin besides.
(() => {
  'use strict';

  const meta = name => (document.querySelector(`meta[name="${name}"]`) || {}).content || '';
  const API = meta('issuecore-api-base').replace(/\/+$/, '');
  const POLL_MS = Math.max(500, parseInt(meta('issuecore-poll-ms'), 10) || 2000);
  const KEY_STORE = 'issuecore.apiKey';
  const STATUSES = ['pending', 'running', 'applied', 'rejected', 'failed'];
  const PAGE = 50;
  const COUNT_PAGES = 2; // counts page through at most 2 x 1000 issues per status, then show "2000+"
  const MAX_EVENT_PAGES = 100; // a run's timeline reads at most 100 x 100 events
  const MAX_DIFF_CELLS = 4000000; // the line diff's table; beyond it, lines are compared by position

  const main = document.getElementById('main');
  const banner = document.getElementById('banner');
  const liveButton = document.getElementById('live-toggle');
  const liveStatus = document.getElementById('live-status');
  const keyInput = document.getElementById('api-key');

  let live = true;
  let view = null;
  let generation = 0;
  let lastJson = null;
  let inFlight = false;

  // ---- building blocks ---------------------------------------------------------------------------------------

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = String(v);
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'fk') el.dataset.fk = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : String(child));
    }
    return el;
  }

  const enc = encodeURIComponent;
  const pick = (o, ...names) => {
    if (!o) return undefined;
    for (const n of names) if (o[n] !== undefined && o[n] !== null) return o[n];
    return undefined;
  };
  const itemsOf = page => Array.isArray(page) ? page : (pick(page, 'items', 'data', 'entries', 'events', 'versions') || []);
  const nextOf = page => pick(page, 'next_page', 'next', 'continuation_token');
  const short = v => (typeof v === 'string' && v.length > 12 ? v.slice(0, 12) : (v ?? ''));
  const when = t => (typeof t === 'string' ? t.replace('T', ' ').replace(/\.\d+/, '').replace(/\+00:00$|Z$/, ' UTC') : '');
  const stateClass = s => 's-' + String(s || '').toLowerCase().replace(/[^a-z]/g, '');
  const badge = (s, id) => h('span', { class: `badge ${stateClass(s)}`, id, 'data-status': s || '' }, s || 'unknown');
  // Long generated ids are shortened in lists (the full id is the link's title and on the issue's page).
  const issueLink = id => h('a', { href: `#/issues/${enc(id)}`, fk: `issue:${id}`, title: id }, h('code', null, id.length > 16 ? id.slice(0, 12) + '…' : id));
  const seriesLink = id => (id ? h('a', { href: `#/blueprints/${enc(id)}`, fk: `series:${id}` }, id) : '');
  const versionCode = v => (v ? h('code', { title: v }, short(v)) : h('span', { class: 'muted' }, '—'));
  const table = (head, rows, empty) => rows.length === 0
    ? h('p', { class: 'muted' }, empty)
    : h('div', { class: 'table-wrap' }, h('table', null,
      h('thead', null, h('tr', null, head.map(c => h('th', { scope: 'col', class: c.startsWith('~') ? 'hide-narrow' : null }, c.replace(/^~/, ''))))),
      h('tbody', null, rows)));
  const td = (content, narrowHidden) => h('td', { class: narrowHidden ? 'hide-narrow' : null }, content);
  const timeTd = (t, narrowHidden) => h('td', { class: narrowHidden ? 'hide-narrow nowrap' : 'nowrap' }, when(t));

  function readKey() {
    try { return sessionStorage.getItem(KEY_STORE) || ''; } catch { return ''; }
  }

  function writeKey(key) {
    try {
      if (key) sessionStorage.setItem(KEY_STORE, key); else sessionStorage.removeItem(KEY_STORE);
    } catch { /* storage disabled: the key lives for this page only */ }
    keyInput.value = '';
    keyInput.placeholder = key ? 'key set for this tab' : 'kept in this tab only';
  }

  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  async function api(path, init) {
    const headers = { Accept: 'application/json' };
    const key = readKey();
    if (key) headers['X-API-Key'] = key;
    if (init && init.method === 'POST') headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(API + path, { credentials: 'same-origin', cache: 'no-store', ...(init || {}), headers });
    } catch {
      throw new ApiError(0, 'The server could not be reached.');
    }
    const type = response.headers.get('content-type') || '';
    const body = type.includes('json') ? await response.json().catch(() => null) : null;
    if (!response.ok) {
      const detail = (body && (body.detail || body.title)) || `${response.status} ${response.statusText}`;
      throw new ApiError(response.status, detail);
    }
    return body;
  }

  // An optional read: a missing endpoint or entity gives null instead of failing the whole page.
  async function maybe(path) {
    try { return await api(path); } catch (e) { if (e.status === 404 || e.status === 405) return null; throw e; }
  }

  function explain(e) {
    if (e.status === 401) return 'The API refused the request (401): enter an API key above, or sign in to the host.';
    if (e.status === 403) return `Not allowed (403): ${e.message} Acting needs a key with the operator role.`;
    return e.message || String(e);
  }

  function showBanner(text, ok) {
    banner.textContent = text;
    banner.classList.toggle('ok', !!ok);
    banner.hidden = false;
  }

  // ---- JSON diff -------------------------------------------------------------------------------------------

  function sortKeys(value) {
    if (Array.isArray(value)) return value.map(sortKeys);
    if (value && typeof value === 'object') {
      const out = {};
      for (const k of Object.keys(value).sort()) out[k] = sortKeys(value[k]);
      return out;
    }
    return value;
  }

  const lines = doc => (doc === undefined ? [] : JSON.stringify(sortKeys(doc), null, 2).split('\n'));

  // Aligned rows [kind, left, right] from a longest-common-subsequence line diff.
  function lineDiff(a, b) {
    const n = a.length, m = b.length;
    const rows = [];
    if (n * m > MAX_DIFF_CELLS) {
      for (let i = 0; i < Math.max(n, m); i++) {
        if (a[i] === b[i]) rows.push(['same', a[i], b[i]]);
        else rows.push(['change', a[i], b[i]]);
      }
      return rows;
    }
    const w = m + 1;
    const lcs = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * w + j] = a[i] === b[j] ? lcs[(i + 1) * w + j + 1] + 1 : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
      }
    }
    let i = 0, j = 0, dels = [], adds = [];
    const flush = () => {
      for (let k = 0; k < Math.max(dels.length, adds.length); k++) rows.push(['change', dels[k], adds[k]]);
      dels = []; adds = [];
    };
    while (i < n || j < m) {
      if (i < n && j < m && a[i] === b[j]) { flush(); rows.push(['same', a[i], b[j]]); i++; j++; }
      else if (j < m && (i === n || lcs[i * w + j + 1] >= lcs[(i + 1) * w + j])) { adds.push(b[j]); j++; }
      else { dels.push(a[i]); i++; }
    }
    flush();
    return rows;
  }

  function sideBySide(leftTitle, leftDoc, rightTitle, rightDoc) {
    const rows = lineDiff(lines(leftDoc), lines(rightDoc));
    const left = h('ol', { class: 'diff-lines', 'aria-label': leftTitle });
    const right = h('ol', { class: 'diff-lines', 'aria-label': rightTitle });
    const context = 3;
    let changed = 0;
    for (let r = 0; r < rows.length; r++) {
      const [kind, l, rt] = rows[r];
      if (kind === 'same') {
        const near = rows.slice(Math.max(0, r - context), r + context + 1).some(x => x[0] !== 'same');
        if (!near) {
          let end = r;
          while (end + 1 < rows.length && rows[end + 1][0] === 'same'
            && !rows.slice(end + 1, end + 2 + context).some(x => x[0] !== 'same')) end++;
          const hidden = end - r + 1;
          const gap = `… ${hidden} unchanged line${hidden === 1 ? '' : 's'}`;
          left.append(h('li', { class: 'gap' }, gap));
          right.append(h('li', { class: 'gap' }, gap));
          r = end;
          continue;
        }
        left.append(h('li', null, '  ' + l));
        right.append(h('li', null, '  ' + rt));
      } else {
        changed++;
        left.append(h('li', { class: l === undefined ? 'gap' : 'del' }, l === undefined ? '' : '- ' + l));
        right.append(h('li', { class: rt === undefined ? 'gap' : 'add' }, rt === undefined ? '' : '+ ' + rt));
      }
    }
    return h('div', null,
      h('p', { class: 'muted', id: 'diff-summary' }, changed === 0 ? 'The two versions are identical.' : `${changed} changed line${changed === 1 ? '' : 's'}.`),
      h('div', { class: 'diff', id: 'side-by-side' },
        h('section', { class: 'diff-col' }, h('h3', null, leftTitle), left),
        h('section', { class: 'diff-col' }, h('h3', null, rightTitle), right)));
  }

  // One page may list two patches (the issue's own and the resulting diff): each list gets its own id.
  function patchOps(ops, id = 'patch-ops') {
    if (!Array.isArray(ops) || ops.length === 0) return h('p', { class: 'muted' }, 'No operations.');
    return h('ol', { class: 'ops', id }, ops.map(op => h('li', null,
      h('strong', null, String(op.op || '?')), ' ', h('code', null, String(op.path ?? '')),
      op.from !== undefined ? [' from ', h('code', null, String(op.from))] : null,
      op.value !== undefined ? [' = ', h('code', null, JSON.stringify(op.value))] : null)));
  }

  const documentOf = v => pick(v, 'document', 'blueprint', 'content', 'value', 'json');

  // ---- views -----------------------------------------------------------------------------------------------

  async function countStatus(status) {
    let total = 0, page = null;
    for (let i = 0; i < COUNT_PAGES; i++) {
      const result = await api(`/issues?status=${status}&limit=1000${page ? '&page=' + enc(page) : ''}`);
      total += itemsOf(result).length;
      page = nextOf(result);
      if (!page) return { total, more: false };
    }
    return { total, more: true };
  }

  function queueView(status) {
    const state = { page: null, pages: [] };
    return {
      title: `Queue: ${status}`, nav: 'queue', state,
      async load() {
        const counts = await Promise.all(STATUSES.map(countStatus));
        const list = await api(`/issues?status=${status}&limit=${PAGE}${state.page ? '&page=' + enc(state.page) : ''}`);
        return { counts, list };
      },
      render({ counts, list }) {
        const items = itemsOf(list);
        const next = nextOf(list);
        return h('div', null,
          h('h1', { tabindex: -1, fk: 'heading' }, 'Queue'),
          h('ul', { class: 'counts', 'aria-label': 'Issues by status' }, STATUSES.map((s, i) => h('li', null,
            h('a', { href: `#/queue/${s}`, 'aria-current': s === status ? 'true' : null, id: `count-${s}`, fk: `count:${s}` },
              h('span', { class: 'n' }, `${counts[i].total}${counts[i].more ? '+' : ''}`), s)))),
          h('h2', null, `${status[0].toUpperCase()}${status.slice(1)} issues`),
          table(['Issue', 'Title', 'Series', '~Priority', 'Attempts', '~Updated', 'Status'],
            items.map(i => h('tr', { 'data-issue': i.issue_id },
              td(issueLink(i.issue_id)), td(i.title), td(seriesLink(i.blueprint_id)), td(i.priority, true),
              td(String(i.attempts ?? '')), timeTd(i.updated_at, true), td(badge(i.status)))),
            `No ${status} issues.`),
          h('div', { class: 'actions pager' },
            state.pages.length > 0 ? h('button', { type: 'button', fk: 'first', onclick: () => { state.page = null; state.pages = []; refresh(true); } }, 'First page') : null,
            next ? h('button', { type: 'button', fk: 'next', onclick: () => { state.pages.push(state.page); state.page = next; refresh(true); } }, 'Next page') : null));
      },
    };
  }

  async function requeue(viewState, id, button) {
    button.disabled = true;
    try {
      const result = await api(`/issues/${enc(id)}/requeue`, { method: 'POST', body: '{}' });
      const status = pick(result, 'status') || 'pending';
      viewState.flash = result && result.requeued === false
        ? `Issue ${id} was requeued already (by another call): now ${status}.`
        : `Issue ${id} requeued: now ${status}.`;
    } catch (e) {
      viewState.flash = `Issue ${id} was not requeued: ${explain(e)}`;
    }
    await refresh(true);
    const flash = document.getElementById('flash');
    if (flash) flash.focus();
  }

  // Approve or reject the change an issue waits with; the operator key's name is the approver.
  async function decide(viewState, id, action, button) {
    button.disabled = true;
    try {
      const result = await api(`/issues/${enc(id)}/${action}`, { method: 'POST', body: '{}' });
      const reason = pick(result, 'reason');
      viewState.flash = `Issue ${id} ${action === 'approve' ? 'approved' : 'rejected'}: now ${pick(result, 'status') || ''}${reason ? ` (${reason})` : ''}.`;
    } catch (e) {
      viewState.flash = `Issue ${id} was not ${action === 'approve' ? 'approved' : 'rejected'}: ${explain(e)}`;
    }
    await refresh(true);
    const flash = document.getElementById('flash');
    if (flash) flash.focus();
  }

  function flashOf(state) {
    return h('p', { id: 'flash', role: 'status', tabindex: -1, class: state.flash ? 'banner ok' : null, fk: 'flash' }, state.flash || '');
  }

  function issueView(id) {
    const state = { flash: '' };
    return {
      title: `Issue ${id}`, nav: 'queue', state,
      async load() {
        const issue = await api(`/issues/${enc(id)}`);
        const log = issue.enhance_log;
        const from = pick(log, 'previous_version');
        const to = pick(log, 'new_version') || issue.new_version;
        const bp = issue.blueprint_id;
        const [diff, history, runs] = await Promise.all([
          from && to ? maybe(`/blueprints/${enc(bp)}/diff?from=${enc(from)}&to=${enc(to)}`) : null,
          maybe(`/issues/${enc(id)}/history`),
          maybe('/runs?limit=100'),
        ]);
        // The dispatcher names each run's subject "issue:<id>"; the newest runs come first.
        const run = itemsOf(runs).find(r => pick(r, 'subject') === `issue:${id}`);
        return { issue, diff, history, runId: run ? pick(run, 'run_id') : null };
      },
      render({ issue, diff, history, runId: foundRun }) {
        const log = issue.enhance_log;
        const from = pick(log, 'previous_version');
        const to = pick(log, 'new_version') || issue.new_version;
        const runId = pick(issue, 'run_id') || foundRun;
        const requeues = itemsOf(pick(history, 'requeues') || []);
        const canRequeue = issue.status === 'failed' || issue.status === 'rejected';
        const awaitsApproval = issue.status === 'awaitingapproval';
        const source = issue.source;
        const facts = [
          ['Issue', h('code', null, issue.issue_id)],
          ['Status', badge(issue.status, 'issue-status')],
          ['Series', seriesLink(issue.blueprint_id)],
          ['Priority', issue.priority],
          ['Attempts', String(issue.attempts ?? '')],
          ['New version', versionCode(issue.new_version)],
          issue.reason ? ['Reason', issue.reason] : null,
          issue.last_error ? ['Last error', issue.last_error] : null,
          ['Intent', issue.intent],
          issue.description ? ['Description', issue.description] : null,
          issue.labels && issue.labels.length ? ['Labels', issue.labels.join(', ')] : null,
          source ? ['Source', `${source.source_type || ''} ${source.source_id || ''} (event ${source.triggering_event_id || ''})`] : null,
          runId ? ['Run', h('a', { href: `#/runs/${enc(runId)}`, fk: 'run' }, h('code', null, runId))] : null,
          ['Created', when(issue.created_at)],
          ['Updated', when(issue.updated_at)],
        ].filter(Boolean);
        const ops = pick(diff, 'patch', 'operations', 'ops', 'diff');
        return h('div', null,
          h('h1', { tabindex: -1, fk: 'heading' }, issue.title || issue.issue_id),
          flashOf(state),
          h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', null, k), h('dd', null, v)])),
          h('div', { class: 'actions' },
            from && to ? h('a', { href: `#/blueprints/${enc(issue.blueprint_id)}/compare/${enc(from)}/${enc(to)}`, id: 'open-diff', fk: 'open-diff' }, 'Open the side-by-side diff') : null,
            canRequeue ? h('button', { type: 'button', class: 'primary', id: 'requeue', fk: 'requeue', onclick: e => requeue(state, issue.issue_id, e.currentTarget) }, 'Requeue') : null,
            awaitsApproval ? h('button', { type: 'button', class: 'primary', id: 'approve', fk: 'approve', onclick: e => decide(state, issue.issue_id, 'approve', e.currentTarget) }, 'Approve') : null,
            awaitsApproval ? h('button', { type: 'button', id: 'reject', fk: 'reject', onclick: e => decide(state, issue.issue_id, 'reject', e.currentTarget) }, 'Reject') : null),
          h('h2', null, 'Patch'),
          Array.isArray(issue.patch) ? patchOps(issue.patch, 'issue-patch')
            : h('p', { class: 'muted' }, issue.patch === null
              ? 'The issue carried no patch of its own: the patch spawner wrote one from the intent. The resulting diff shows what changed.'
              : 'The API does not show the issue\'s own patch. The resulting diff shows what changed.'),
          h('h2', null, 'Verdicts'),
          log ? table(['Axis', 'Verdict', 'Detail'], (log.verdicts || []).map(v => h('tr', null, td(v.axis), td(badge(v.status)), td(v.detail))), 'No verdicts.')
            : h('p', { class: 'muted' }, 'Not dispatched yet.'),
          log && log.reasons && log.reasons.length ? h('p', null, 'Reasons: ', log.reasons.join('; ')) : null,
          requeues.length ? [h('h2', null, 'Requeues'), table(['Round', 'By', 'When', 'Was'], requeues.map(q => h('tr', null,
            td(String(pick(q, 'round') ?? '')), td(pick(q, 'requested_by') || ''), td(when(pick(q, 'requeued_at'))),
            td([badge(pick(q, 'previous_status')), ' ', pick(q, 'previous_reason') || '']))), '')] : null,
          h('h2', null, 'Resulting diff'),
          from && to
            ? (Array.isArray(ops) ? patchOps(ops) : h('p', null, 'From ', versionCode(from), ' to ', versionCode(to), '.'))
            : h('p', { class: 'muted' }, issue.status === 'applied' ? 'The first version of its series.' : 'No new version (yet).'));
      },
    };
  }

  function compareView(bp, from, to) {
    return {
      title: `${bp}: ${short(from)} → ${short(to)}`, nav: 'blueprints',
      async load() {
        const [a, b, diff] = await Promise.all([
          api(`/blueprints/${enc(bp)}/versions/${enc(from)}`),
          api(`/blueprints/${enc(bp)}/versions/${enc(to)}`),
          maybe(`/blueprints/${enc(bp)}/diff?from=${enc(from)}&to=${enc(to)}`),
        ]);
        return { a, b, diff };
      },
      render({ a, b, diff }) {
        const ops = pick(diff, 'patch', 'operations', 'ops', 'diff');
        const commits = [pick(diff, 'from_commit'), pick(diff, 'to_commit')].filter(Boolean);
        return h('div', null,
          h('h1', { tabindex: -1, fk: 'heading' }, 'Diff of ', h('a', { href: `#/blueprints/${enc(bp)}`, fk: 'series' }, bp)),
          h('p', null, 'From ', versionCode(from), ' to ', versionCode(to), '.'),
          sideBySide(`From ${short(from)}`, documentOf(a), `To ${short(to)}`, documentOf(b)),
          h('h2', null, 'RFC 6902 patch'),
          Array.isArray(ops) ? patchOps(ops) : h('p', { class: 'muted' }, 'The API did not return a patch for these versions.'),
          commits.length ? [h('h2', null, 'Commits'), table(['End', 'Version', 'Issue', 'Rationale'], commits.map((c, i) => h('tr', null,
            td(i === 0 ? 'from' : 'to'), td(versionCode(pick(c, 'version', 'new_version'))),
            td(pick(c, 'issue_id') ? issueLink(pick(c, 'issue_id')) : ''),
            td(pick(c, 'rationale') || ''))), '')] : null);
      },
    };
  }

  function seriesView(bp) {
    const state = { flash: '' };
    return {
      title: `Series ${bp}`, nav: 'blueprints', state,
      async load() {
        const [head, history] = await Promise.all([api(`/blueprints/${enc(bp)}`), api(`/blueprints/${enc(bp)}/history?limit=100`)]);
        return { head, history };
      },
      render({ head, history }) {
        const versions = itemsOf(history);
        const headVersion = pick(head, 'version', 'head_version') || pick(pick(head, 'trace'), 'version');
        const archived = !!pick(head, 'archived');
        const doc = documentOf(head);
        const label = pick(head, 'version_label', 'label') || pick(pick(doc, 'metadata'), 'version_label');
        const fromSelect = h('select', { id: 'compare-from', fk: 'compare-from' }, versions.map((v, i) => h('option', { value: v.version, selected: i === 1 || (versions.length === 1 && i === 0) ? true : null }, `${short(v.version)} ${pick(v, 'version_label', 'label') || ''}`)));
        const toSelect = h('select', { id: 'compare-to', fk: 'compare-to' }, versions.map((v, i) => h('option', { value: v.version, selected: i === 0 ? true : null }, `${short(v.version)} ${pick(v, 'version_label', 'label') || ''}`)));
        const act = async (verb, button) => {
          button.disabled = true;
          try { await api(`/blueprints/${enc(bp)}/${verb}`, { method: 'POST', body: '{}' }); state.flash = `Series ${bp} ${verb}d.`; }
          catch (e) { state.flash = `Series ${bp} was not ${verb}d: ${explain(e)}`; }
          await refresh(true);
        };
        return h('div', null,
          h('h1', { tabindex: -1, fk: 'heading' }, `Series ${bp}`),
          flashOf(state),
          h('dl', { class: 'facts' },
            h('dt', null, 'Head'), h('dd', null, versionCode(headVersion)),
            h('dt', null, 'Label'), h('dd', null, label || '—'),
            h('dt', null, 'Archived'), h('dd', null, archived ? 'yes' : 'no')),
          h('div', { class: 'actions' },
            h('button', { type: 'button', fk: 'archive', onclick: e => act(archived ? 'unarchive' : 'archive', e.currentTarget) }, archived ? 'Unarchive' : 'Archive')),
          h('h2', null, 'Compare two versions'),
          h('form', { class: 'actions', onsubmit: e => { e.preventDefault(); location.hash = `#/blueprints/${enc(bp)}/compare/${enc(fromSelect.value)}/${enc(toSelect.value)}`; } },
            h('label', { for: 'compare-from' }, 'From'), fromSelect,
            h('label', { for: 'compare-to' }, 'to'), toSelect,
            h('button', { type: 'submit', fk: 'compare' }, 'Compare')),
          h('h2', null, 'History'),
          table(['Version', 'Made by', '~Rationale', '~Committed', 'Diff'], versions.map(v => {
            const parents = pick(v, 'parents') || [];
            const parent = Array.isArray(parents) ? parents[0] : parents;
            const issueId = pick(v, 'issue_id');
            return h('tr', null,
              td(versionCode(v.version)),
              td(issueId ? issueLink(issueId) : h('span', { class: 'muted' }, pick(v, 'origin') || '')),
              td(pick(v, 'rationale') || '', true), timeTd(pick(v, 'timestamp', 'committed_at', 'created_at'), true),
              td(parent ? h('a', { href: `#/blueprints/${enc(bp)}/compare/${enc(parent)}/${enc(v.version)}`, fk: `diff:${v.version}` }, 'with parent') : h('span', { class: 'muted' }, 'first')));
          }), 'No versions.'),
          doc !== undefined ? [h('h2', null, 'Head document'), h('pre', { tabindex: 0 }, JSON.stringify(sortKeys(doc), null, 2))] : null);
      },
    };
  }

  function blueprintsView() {
    return {
      title: 'Blueprints', nav: 'blueprints',
      async load() { return api(`/blueprints?limit=${PAGE}&include_archived=true`); },
      render(list) {
        return h('div', null,
          h('h1', { tabindex: -1, fk: 'heading' }, 'Blueprints'),
          table(['Series', 'Head', 'Label', 'Archived'], itemsOf(list).map(b => {
            const id = pick(b, 'blueprint_id', 'id');
            return h('tr', null, td(seriesLink(id)), td(versionCode(pick(b, 'head_version', 'version'))),
              td(pick(b, 'version_label', 'label') || ''), td(pick(b, 'archived') ? 'yes' : 'no'));
          }), 'No Blueprint series.'));
      },
    };
  }

  // A run's subject: "issue:<id>" links to the issue; anything else is shown as it is.
  function subjectOf(run) {
    const subject = pick(run, 'subject');
    if (typeof subject !== 'string') return '';
    return subject.startsWith('issue:') ? issueLink(subject.slice('issue:'.length)) : subject;
  }

  function runsView() {
    return {
      title: 'Runs', nav: 'runs',
      async load() { return api(`/runs?limit=${PAGE}`); },
      render(list) {
        return h('div', null,
          h('h1', { tabindex: -1, fk: 'heading' }, 'Runs'),
          table(['Run', 'Status', 'Flow', 'Subject', '~Started', '~Updated'], itemsOf(list).map(r => {
            const id = pick(r, 'run_id', 'id');
            return h('tr', null,
              td(h('a', { href: `#/runs/${enc(id)}`, fk: `run:${id}` }, h('code', null, short(id)))),
              td(badge(pick(r, 'status'))), td(pick(r, 'flow_id', 'blueprint_id') || ''), td(subjectOf(r)),
              timeTd(pick(r, 'started_at', 'created_at'), true), timeTd(pick(r, 'updated_at', 'ended_at'), true));
          }), 'No runs yet.'));
      },
    };
  }

  function runView(id) {
    return {
      title: `Run ${short(id)}`, nav: 'runs',
      async load() {
        const run = await api(`/runs/${enc(id)}`);
        const events = [];
        let page = null;
        for (let i = 0; i < MAX_EVENT_PAGES; i++) {
          const result = await api(`/runs/${enc(id)}/events?limit=100${page ? '&page=' + enc(page) : ''}`);
          events.push(...itemsOf(result));
          page = nextOf(result);
          if (!page) break;
        }
        return { run, events, truncated: !!page };
      },
      render({ run, events, truncated }) {
        const waves = new Map();
        for (const e of events) {
          const wave = Number(pick(e, 'wave', 'wave_index', 'depth') ?? 0);
          if (!waves.has(wave)) waves.set(wave, []);
          waves.get(wave).push(e);
        }
        const order = [...waves.keys()].sort((x, y) => x - y);
        const kindClass = k => (/fail|error|cancel/i.test(k) ? 'bad' : /complet|finish|succe|done/i.test(k) ? 'ok' : 'run');
        const graph = pick(run, 'graph');
        return h('div', null,
          h('h1', { tabindex: -1, fk: 'heading' }, 'Run ', h('code', null, id)),
          h('dl', { class: 'facts' },
            h('dt', null, 'Status'), h('dd', null, badge(pick(run, 'status'), 'run-status')),
            h('dt', null, 'Flow'), h('dd', null, pick(run, 'flow_id', 'blueprint_id') || '—', ' ', versionCode(pick(run, 'flow_version'))),
            h('dt', null, 'Subject'), h('dd', null, subjectOf(run) || '—'),
            h('dt', null, 'Started'), h('dd', null, when(pick(run, 'started_at', 'created_at'))),
            h('dt', null, 'Events'), h('dd', null, `${events.length}${truncated ? '+' : ''} in ${order.length} wave${order.length === 1 ? '' : 's'}`)),
          h('h2', null, 'Timeline by wave'),
          order.length === 0 ? h('p', { class: 'muted' }, 'No events yet.')
            : h('div', { class: 'waves', id: 'waves', tabindex: 0, 'aria-label': 'Waves, scroll sideways' }, order.map(w => h('section', { class: 'wave' },
              h('h3', null, `Wave ${w}`),
              h('ol', null, waves.get(w).map(e => {
                const kind = String(pick(e, 'kind', 'type', 'event_type') || 'event');
                return h('li', { class: `event ${kindClass(kind)}` },
                  h('div', null, h('strong', null, `#${pick(e, 'sequence', 'seq', 'sequence_number') ?? ''} `), kind),
                  h('div', { class: 'mono' }, String(pick(e, 'node', 'node_id', 'step', 'ref', 'agent') || '')),
                  h('div', { class: 'muted' }, when(pick(e, 'timestamp', 'at', 'created_at'))));
              }))))),
          graph !== undefined ? h('details', null, h('summary', null, 'Graph'), h('pre', { tabindex: 0 }, JSON.stringify(graph, null, 2))) : null);
      },
    };
  }

  function deadLettersView() {
    const state = { flash: '' };
    const rowsOf = list => itemsOf(list).map(i => h('tr', { 'data-issue': i.issue_id },
      td(issueLink(i.issue_id)), td(i.title), td(seriesLink(i.blueprint_id)), td(String(i.attempts ?? '')),
      td(i.reason || '', true), timeTd(i.updated_at, true),
      td(h('button', { type: 'button', class: 'primary', fk: `requeue:${i.issue_id}`, 'data-requeue': i.issue_id, onclick: e => requeue(state, i.issue_id, e.currentTarget) }, 'Requeue'))));
    return {
      title: 'Dead letters', nav: 'dead-letters', state,
      async load() {
        const [failed, rejected] = await Promise.all([api(`/issues?status=failed&limit=${PAGE}`), api(`/issues?status=rejected&limit=${PAGE}`)]);
        return { failed, rejected };
      },
      render({ failed, rejected }) {
        const head = ['Issue', 'Title', 'Series', 'Attempts', '~Reason', '~Updated', 'Action'];
        return h('div', null,
          h('h1', { tabindex: -1, fk: 'heading' }, 'Dead letters'),
          flashOf(state),
          h('p', { class: 'muted' }, 'Requeue sends an issue back to the queue with a fresh attempt budget; it is recorded in the issue\'s history.'),
          h('h2', null, 'Failed (the retry budget ran out)'),
          h('div', { id: 'failed-list' }, table(head, rowsOf(failed), 'No failed issues.')),
          h('h2', null, 'Rejected by a verifier'),
          h('div', { id: 'rejected-list' }, table(head, rowsOf(rejected), 'No rejected issues.')));
      },
    };
  }

  function logView() {
    return {
      title: 'Enhance log', nav: 'enhance-log',
      async load() { return api(`/enhance-log?limit=${PAGE}`); },
      render(list) {
        return h('div', null,
          h('h1', { tabindex: -1, fk: 'heading' }, 'Enhance log'),
          table(['When', 'Issue', 'Series', 'Outcome', '~From', '~To', 'Verdicts'], itemsOf(list).map(e => h('tr', null,
            timeTd(pick(e, 'timestamp')), td(pick(e, 'issue_id') ? issueLink(pick(e, 'issue_id')) : ''), td(seriesLink(pick(e, 'blueprint_id'))),
            td(badge(pick(e, 'outcome', 'status'))), td(versionCode(pick(e, 'previous_version')), true), td(versionCode(pick(e, 'new_version')), true),
            td((pick(e, 'verdicts') || []).map(v => `${v.axis}: ${v.status}`).join(', ')))), 'The enhance log is empty.'));
      },
    };
  }

  function notFoundView(path) {
    return { title: 'Not found', nav: '', async load() { return null; }, render() { return h('div', null, h('h1', { tabindex: -1, fk: 'heading' }, 'Not found'), h('p', null, `No page at ${path}. `, h('a', { href: '#/' }, 'Back to the queue'))); } };
  }

  // ---- routing, refresh and live updates -------------------------------------------------------------------

  const dec = s => { try { return decodeURIComponent(s); } catch { return s; } };
  const routes = [
    [/^\/?$/, () => queueView('pending')],
    [/^\/queue\/(pending|running|applied|rejected|failed)$/, m => queueView(m[1])],
    [/^\/issues\/(.+)$/, m => issueView(dec(m[1]))],
    [/^\/dead-letters$/, () => deadLettersView()],
    [/^\/blueprints$/, () => blueprintsView()],
    [/^\/blueprints\/([^/]+)\/compare\/([^/]+)\/([^/]+)$/, m => compareView(dec(m[1]), dec(m[2]), dec(m[3]))],
    [/^\/blueprints\/([^/]+)$/, m => seriesView(dec(m[1]))],
    [/^\/runs$/, () => runsView()],
    [/^\/runs\/([^/]+)$/, m => runView(dec(m[1]))],
    [/^\/enhance-log$/, () => logView()],
  ];

  function route(userNavigation) {
    const path = location.hash.replace(/^#/, '') || '/';
    let next = null;
    for (const [pattern, make] of routes) {
      const m = pattern.exec(path);
      if (m) { next = make(m); break; }
    }
    view = next || notFoundView(path);
    generation++;
    lastJson = null;
    document.title = `${view.title} · IssueCore`;
    for (const a of document.querySelectorAll('[data-nav]')) {
      if (a.dataset.nav === view.nav) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    }
    main.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
    refresh(true).then(() => {
      if (userNavigation) { const heading = main.querySelector('h1'); if (heading) heading.focus(); }
    });
  }

  async function refresh(force) {
    const current = view;
    const gen = generation;
    inFlight = true;
    try {
      const data = await current.load();
      if (gen !== generation) return;
      const json = JSON.stringify(data);
      if (!force && json === lastJson) { stamp(); return; }
      lastJson = json;
      const focused = document.activeElement && main.contains(document.activeElement) ? document.activeElement.dataset.fk : null;
      main.replaceChildren(current.render(data));
      if (focused) {
        const again = main.querySelector(`[data-fk="${CSS.escape(focused)}"]`);
        if (again) again.focus();
      }
      banner.hidden = true;
      stamp();
    } catch (e) {
      if (gen !== generation) return;
      showBanner(explain(e));
      if (lastJson === null) main.replaceChildren(h('h1', { tabindex: -1, fk: 'heading' }, current.title), h('p', { class: 'muted' }, 'Nothing to show until the API answers.'));
      liveStatus.textContent = '';
    } finally {
      inFlight = false;
    }
  }

  function stamp() {
    const now = new Date();
    liveStatus.textContent = live ? `Updated ${now.toTimeString().slice(0, 8)}` : 'Paused';
  }

  liveButton.addEventListener('click', () => {
    live = !live;
    liveButton.setAttribute('aria-pressed', String(live));
    liveButton.textContent = live ? 'Live' : 'Paused';
    stamp();
    if (live) refresh(false);
  });

  document.getElementById('key-form').addEventListener('submit', e => {
    e.preventDefault();
    writeKey(keyInput.value.trim());
    refresh(true);
  });

  document.getElementById('key-forget').addEventListener('click', () => {
    writeKey('');
    refresh(true);
  });

  window.addEventListener('hashchange', () => route(true));
  setInterval(() => {
    if (live && !document.hidden && !inFlight && view) refresh(false);
  }, POLL_MS);

  writeKey(readKey());
  route(false);
})();
