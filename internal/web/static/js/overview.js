// Overview: the scorecard of one scope (org, team or rep) as KPI tiles
// grouped by category, each with its value, change against the previous
// period and a sparkline. Data: /api/v1/dimensions, /api/v1/scorecard.
//
// DOM hooks: (stable across refreshes; live updates change them in place)
//   #scope (select)              "org", "team:<id>" or "rep:<id>"; URL ?scope=
//   #period (select)             week, month, quarter (default), year; URL ?period=
//   #period-label[data-role=period]  the period shown and the one compared with
//   #tiles[aria-busy]            "false" once a scorecard has been drawn
//   section.category[data-category="<category>"]  one per category, in catalog order
//   li.tile[data-kpi="<kpi id>"] one per KPI, with data-unit and data-better ("true", "false", "")
//     [data-role=value]          formatted value
//     [data-role=change]         change vs previous period; class change-good / change-bad / change-none
//     [data-role=spark]          sparkline container (ECharts)
import {
  $, api, el, live, showError, setStatus, readState, writeState, fillSelect, Dimensions,
  fmtValue, fmtChange, fmtRange, changeClass, arrow, humanize, sparkline,
} from './common.js';

const defaults = { scope: 'org', period: 'quarter' };
const state = readState(defaults);
let dims = new Dimensions();

const scopeSel = $('scope');
const periodSel = $('period');
const tilesBox = $('tiles');

function fillScopes() {
  const reps = [...dims.reps].sort((a, b) => (a.name || a.id).localeCompare(b.name || b.id));
  fillSelect(
    scopeSel,
    [
      { label: 'Teams', options: dims.teamOptions().map((o) => ({ value: 'team:' + o.value, label: o.label })) },
      { label: 'Reps', options: reps.map((r) => ({ value: 'rep:' + r.id, label: r.name || r.id })) },
    ].filter((g) => g.options.length),
    1,
    state.scope,
  );
  if (scopeSel.value !== state.scope) {
    // A scope the catalogue no longer knows (or an id typed into the URL): keep it selectable.
    scopeSel.append(el('option', { value: state.scope, text: state.scope }));
    scopeSel.value = state.scope;
  }
}

function explorerLink(id) {
  const [kind, value] = state.scope.split(':');
  const q = new URLSearchParams({ kpi: id, period: state.period });
  if (kind === 'team' || kind === 'rep') q.set(kind, value);
  return '/explore?' + q.toString();
}

/** section returns the category section, creating it at the right place. */
function section(category, index) {
  let s = tilesBox.querySelector(`section.category[data-category="${CSS.escape(category)}"]`);
  if (!s) {
    const hid = 'cat-' + category.replace(/[^a-z0-9]+/gi, '-');
    s = el('section', { class: 'category', 'aria-labelledby': hid, dataset: { category } },
      el('h2', { id: hid, text: humanize(category) }),
      el('ul', { class: 'tiles' }));
  }
  if (tilesBox.children[index] !== s) tilesBox.insertBefore(s, tilesBox.children[index] || null);
  return s;
}

function newTile(k) {
  return el('li', { class: 'tile', dataset: { kpi: k.id } },
    el('h3', { class: 'tile-name' }, el('a', { href: explorerLink(k.id), text: k.name || k.id })),
    el('p', { class: 'tile-value', 'data-role': 'value' }),
    el('p', { class: 'tile-change', 'data-role': 'change' }),
    el('div', { class: 'spark', 'data-role': 'spark', 'aria-hidden': 'true' }));
}

function updateTile(li, k, sc) {
  li.dataset.unit = k.unit || '';
  li.dataset.better = k.better === null || k.better === undefined ? '' : String(k.better);
  const link = li.querySelector('.tile-name a');
  link.textContent = k.name || k.id;
  link.href = explorerLink(k.id);
  li.querySelector('[data-role=value]').textContent = fmtValue(k.value, k.unit, true);
  li.querySelector('[data-role=value]').title = fmtValue(k.value, k.unit);

  const ch = li.querySelector('[data-role=change]');
  ch.className = 'tile-change ' + changeClass(k.better);
  const verdict = k.better === true ? ' (better)' : k.better === false ? ' (worse)' : '';
  const prevLabel = sc.previous?.label ? ` vs ${sc.previous.label}` : ' vs previous';
  ch.replaceChildren(
    el('span', { 'aria-hidden': 'true', text: arrow(k.change) + ' ' }),
    fmtChange(k.change, k.change_ratio, k.unit),
    el('span', { class: 'visually-hidden', text: verdict }),
    el('span', { class: 'muted', text: prevLabel }),
  );
  ch.title = `Previous: ${fmtValue(k.previous, k.unit)}`;
  sparkline(li.querySelector('[data-role=spark]'), k.spark || [], k.better);
}

function render(sc) {
  const p = sc.period || {};
  $('period-label').textContent = [
    p.label && `${p.label} (${fmtRange(p)})`,
    sc.previous?.label && `compared with ${sc.previous.label}`,
  ].filter(Boolean).join(', ');

  const kpis = sc.kpis || [];
  const categories = [...new Set(kpis.map((k) => k.category || 'other'))];
  const keep = new Set();
  categories.forEach((cat, ci) => {
    const ul = section(cat, ci).querySelector('ul');
    kpis.filter((k) => (k.category || 'other') === cat).forEach((k, i) => {
      let li = tilesBox.querySelector(`li.tile[data-kpi="${CSS.escape(k.id)}"]`);
      if (!li) li = newTile(k);
      if (ul.children[i] !== li) ul.insertBefore(li, ul.children[i] || null);
      updateTile(li, k, sc);
      keep.add(li);
    });
  });
  for (const li of tilesBox.querySelectorAll('li.tile')) if (!keep.has(li)) li.remove();
  for (const s of tilesBox.querySelectorAll('section.category')) {
    if (!categories.includes(s.dataset.category)) s.remove();
  }
  if (!kpis.length) setStatus('No KPI values for this scope and period yet. Import data on the Import page.');
  tilesBox.setAttribute('aria-busy', 'false');
}

async function load() {
  const sc = await api('/scorecard', { scope: state.scope, period: state.period });
  setStatus('');
  render(sc);
}

async function refresh() {
  dims = await Dimensions.load();
  fillScopes();
  await load();
}

function onChange() {
  state.scope = scopeSel.value;
  state.period = periodSel.value;
  writeState(state, defaults);
  load().catch(showError);
}

periodSel.value = state.period;
scopeSel.value = state.scope;
$('controls').addEventListener('change', onChange);
$('controls').addEventListener('submit', (e) => {
  e.preventDefault();
  onChange();
});
refresh().catch(showError);
live(refresh);
