// Team: a leaderboard of the reps of a team (or the whole organisation) for
// one period, sortable by any KPI column, and the scorecard of a selected rep
// against the median of the reps in the leaderboard (computed here).
// Data: /api/v1/kpis, /api/v1/dimensions, /api/v1/scorecard (the team's, to
// settle the period, and the rep's), /api/v1/values?by=rep&team=…
//
// URL query: team, period (default quarter), at, rep (selected rep), sort
// (KPI id), dir (asc|desc), cols (comma-separated KPI ids shown).
//
// DOM hooks:
//   #team #period #at            controls
//   #column-choices input[type=checkbox][value=<kpi id>]  leaderboard columns
//   #board-period                the period shown
//   #leaderboard thead th[data-kpi=<id>][aria-sort]  sortable header; its button sorts
//   #leaderboard tbody tr[data-rep=<rep id>][aria-selected]  one per rep, in sorted order
//     button[data-role=select-rep]  opens the rep's scorecard
//     td[data-kpi=<id>][data-value=<raw number or "">]  cell
//   #leaderboard tfoot tr[data-role=median] / tr[data-role=total]  team median / team value
//   #board-notes li              the API's notes (KPIs that cannot be split by rep)
//   #scorecard[hidden][data-rep]  the selected rep's scorecard
//     #scorecard-table tbody tr[data-kpi=<id>]: td[data-role=value|median|vs-median|change]
//     vs-median and change cells have class change-good / change-bad / change-none
import {
  $, api, el, live, showError, setStatus, readState, writeState, fillSelect, Dimensions,
  fmtValue, fmtChange, fmtRange, changeClass, arrow, humanize, median, dayBefore, keepFocus,
} from './common.js';

const DEFAULT_COLS = ['revenue', 'quota_attainment', 'win_rate', 'average_deal_size', 'pipeline_value', 'sales_cycle_days', 'calls_made', 'meetings_held'];
const defaults = { team: '', period: 'quarter', at: '', rep: '', sort: '', dir: '', cols: '' };
const state = readState(defaults);
const form = $('controls');

let catalog = [];
let dims = new Dimensions();
let board = null; // {period, reps: [{id, name, values}], medians: Map, team: Map}
let seq = 0;

const kpiInfo = (id) => catalog.find((k) => k.id === id) || { id, name: id, unit: '', direction: 'higher' };

function columns() {
  const want = state.cols ? state.cols.split(',') : DEFAULT_COLS;
  const ids = want.filter((id) => catalog.some((k) => k.id === id));
  return ids.length ? ids : catalog.slice(0, 6).map((k) => k.id);
}

function sortKey() {
  const cols = columns();
  const sort = state.sort && catalog.some((k) => k.id === state.sort) ? state.sort : cols[0];
  const dir = state.dir === 'asc' || state.dir === 'desc' ? state.dir : kpiInfo(sort).direction === 'lower' ? 'asc' : 'desc';
  return { sort, dir };
}

function fillControls() {
  fillSelect($('team'), dims.teamOptions(), 1, state.team);
  form.elements.team.value = state.team;
  form.elements.period.value = state.period;
  form.elements.at.value = state.at;
  const shown = new Set(columns());
  $('column-choices').replaceChildren(...catalog.map((k) =>
    el('label', {}, el('input', { type: 'checkbox', name: 'col', value: k.id, checked: shown.has(k.id) }), k.name || k.id)));
}

function cmp(a, b, dir) {
  const an = typeof a === 'number', bn = typeof b === 'number';
  if (!an || !bn) return an === bn ? 0 : an ? -1 : 1; // nulls last either way
  return dir === 'asc' ? a - b : b - a;
}

function drawBoard() {
  const table = $('leaderboard');
  keepFocus(table, () => redrawBoard(table));
}

function redrawBoard(table) {
  const cols = columns();
  const { sort, dir } = sortKey();
  const head = el('tr', {},
    el('th', { scope: 'col', class: 'num', text: '#' }),
    el('th', { scope: 'col', text: 'Rep' }),
    ...cols.map((id) => {
      const k = kpiInfo(id);
      const th = el('th', { scope: 'col', class: 'num', dataset: { kpi: id }, 'aria-sort': id === sort ? (dir === 'asc' ? 'ascending' : 'descending') : 'none' },
        el('button', { type: 'button', title: `Sort by ${k.name}`, text: k.name || id, on: { click: () => sortBy(id) } }));
      return th;
    }));
  table.tHead.replaceChildren(head);

  const reps = [...board.reps].sort((a, b) => cmp(a.values[sort], b.values[sort], dir) || a.name.localeCompare(b.name));
  const rows = reps.map((r, i) =>
    el('tr', { dataset: { rep: r.id }, 'aria-selected': r.id === state.rep ? 'true' : 'false' },
      el('td', { class: 'num', text: String(i + 1) }),
      el('th', { scope: 'row' }, el('button', { type: 'button', class: 'linkish', 'data-role': 'select-rep', text: r.name, on: { click: () => selectRep(r.id, true) } })),
      ...cols.map((id) => el('td', { class: 'num', dataset: { kpi: id, value: r.values[id] ?? '' }, text: fmtValue(r.values[id], kpiInfo(id).unit) }))));
  if (!rows.length) rows.push(el('tr', {}, el('td', { colspan: cols.length + 2, class: 'muted', text: 'No rep values for this team and period.' })));
  table.tBodies[0].replaceChildren(...rows);

  const foot = (role, label, get) => el('tr', { dataset: { role } }, el('td'), el('th', { scope: 'row', text: label }),
    ...cols.map((id) => el('td', { class: 'num', dataset: { kpi: id }, text: fmtValue(get(id), kpiInfo(id).unit) })));
  table.tFoot.replaceChildren(
    foot('median', 'Median of reps', (id) => board.medians.get(id)),
    foot('total', state.team ? 'Team' : 'Organisation', (id) => board.team.get(id)));
}

function sortBy(id) {
  const { sort, dir } = sortKey();
  if (id === sort) state.dir = dir === 'asc' ? 'desc' : 'asc';
  else {
    state.sort = id;
    state.dir = kpiInfo(id).direction === 'lower' ? 'asc' : 'desc';
  }
  writeState(state, defaults);
  drawBoard();
  $('leaderboard').querySelector(`th[data-kpi="${CSS.escape(id)}"] button`)?.focus();
}

/** vsClass colours a value against the median by the KPI's direction. */
function vsClass(v, m, direction) {
  if (typeof v !== 'number' || typeof m !== 'number' || v === m) return 'change-none';
  return (v > m) === (direction !== 'lower') ? 'change-good' : 'change-bad';
}

async function selectRep(id, user) {
  state.rep = id;
  if (user) writeState(state, defaults);
  for (const tr of $('leaderboard').tBodies[0].rows) tr.setAttribute('aria-selected', tr.dataset.rep === id ? 'true' : 'false');
  const mine = seq;
  const sc = await api('/scorecard', { scope: 'rep:' + id, period: state.period, at: board.period.start });
  if (mine !== seq) return;
  const box = $('scorecard');
  box.dataset.rep = id;
  const name = dims.label('rep', id);
  $('scorecard-heading').textContent = `Scorecard: ${name}`;

  const rows = [];
  const scored = [];
  const kpis = sc.kpis || [];
  const categories = [...new Set(kpis.map((k) => k.category))];
  for (const k of categories.flatMap((c) => kpis.filter((x) => x.category === c))) {
    if (k === kpis.find((x) => x.category === k.category)) {
      rows.push(el('tr', { class: 'category-row' }, el('th', { colspan: 5, scope: 'colgroup', text: humanize(k.category) })));
    }
    const m = board.medians.get(k.id) ?? null;
    const vs = typeof k.value === 'number' && typeof m === 'number' ? k.value - m : null;
    const cls = vsClass(k.value, m, k.direction);
    if (vs !== null && m !== 0) scored.push({ name: k.name || k.id, score: (vs / Math.abs(m)) * (k.direction === 'lower' ? -1 : 1) });
    rows.push(el('tr', { dataset: { kpi: k.id } },
      el('th', { scope: 'row', text: k.name || k.id }),
      el('td', { class: 'num', 'data-role': 'value', text: fmtValue(k.value, k.unit) }),
      el('td', { class: 'num', 'data-role': 'median', text: fmtValue(m, k.unit) }),
      el('td', { class: `num ${cls}`, 'data-role': 'vs-median', text: vs === null ? '—' : fmtChange(vs, m ? vs / Math.abs(m) : null, k.unit) }),
      el('td', { class: `num ${changeClass(k.better)}`, 'data-role': 'change' },
        el('span', { 'aria-hidden': 'true', text: arrow(k.change) + ' ' }), fmtChange(k.change, k.change_ratio, k.unit))));
  }
  $('scorecard-table').tBodies[0].replaceChildren(...rows);

  scored.sort((a, b) => b.score - a.score);
  const strong = scored.filter((s) => s.score > 0).slice(0, 3).map((s) => s.name);
  const weak = scored.filter((s) => s.score < 0).slice(-3).reverse().map((s) => s.name);
  $('scorecard-summary').textContent = [
    `${sc.period?.label || ''} against the median of the ${board.reps.length} reps in the leaderboard (each KPI over the reps with a value).`,
    strong.length && `Strongest against the median: ${strong.join(', ')}.`,
    weak.length && `Furthest behind: ${weak.join(', ')}.`,
  ].filter(Boolean).join(' ');
  box.hidden = false;
  if (user) $('scorecard-heading').focus();
}

async function load() {
  const mine = ++seq;
  const scope = state.team ? 'team:' + state.team : 'org';
  const sc = await api('/scorecard', { scope, period: state.period, at: state.at });
  if (mine !== seq) return;
  const period = sc.period || {};
  $('board-period').textContent = period.label ? `${period.label} (${fmtRange(period)})` : '';
  const res = await api('/values', {
    by: 'rep', period: state.period, team: state.team,
    from: period.start, to: period.end ? dayBefore(period.end) : '',
  });
  if (mine !== seq) return;
  const reps = new Map();
  for (const r of res.rows || []) {
    if (period.label && r.period !== period.label) continue;
    if (r.rep === null || r.rep === undefined) continue;
    if (!reps.has(r.rep)) reps.set(r.rep, { id: r.rep, name: dims.label('rep', r.rep), values: {} });
    reps.get(r.rep).values[r.kpi] = r.value;
  }
  const list = [...reps.values()];
  board = {
    period,
    reps: list,
    medians: new Map(catalog.map((k) => [k.id, median(list.map((r) => r.values[k.id]))])),
    team: new Map((sc.kpis || []).map((k) => [k.id, k.value])),
  };
  setStatus('');
  $('board-notes').replaceChildren(...(res.notes || []).map((n) => el('li', { text: n })));
  drawBoard();
  if (state.rep && reps.has(state.rep)) await selectRep(state.rep, false);
  else $('scorecard').hidden = true;
}

async function refresh() {
  const [kpis, d] = await Promise.all([api('/kpis'), Dimensions.load()]);
  catalog = kpis || [];
  dims = d;
  fillControls();
  await load();
}

form.addEventListener('change', () => {
  state.team = form.elements.team.value;
  state.period = form.elements.period.value;
  state.at = form.elements.at.value;
  state.rep = '';
  writeState(state, defaults, true);
  load().catch(showError);
});
form.addEventListener('submit', (e) => e.preventDefault());
$('column-choices').addEventListener('change', () => {
  const picked = [...$('column-choices').querySelectorAll('input:checked')].map((i) => i.value);
  state.cols = picked.join(',') === DEFAULT_COLS.join(',') ? '' : picked.join(',');
  writeState(state, defaults);
  if (board) drawBoard();
});
window.addEventListener('popstate', () => {
  Object.assign(state, readState(defaults));
  fillControls();
  load().catch(showError);
});
refresh().catch(showError);
live(refresh);
