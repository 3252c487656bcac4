// Time: where reps' logged time goes (by category, by rep or team and period)
// and what reclaiming non-selling time is worth: the value model, with its
// assumptions as sliders and checkboxes and stated in words.
// Data: /api/v1/dimensions,
//   /api/v1/time?team=&by=&period=&from=&to=&reduce=&reclaim=&productivity=&categories=
//     → {by, period, start, end, categories:[{id,name,selling}], allocation:[{period,group,minutes,
//        total_minutes,selling_share,admin_share,shares}], totals:[...], groups:[...], total,
//        notes, value_model:{assumptions, explanation, reps, teams, total}}
//   Every number shown comes from that answer: moving a slider asks the API again (the
//   allocation is cached on the server; only the model's arithmetic is redone), so the
//   page always shows exactly what the API and `salesops time` say.
//
// URL query: team, by, period, from, to, reduce, reclaim, productivity, categories.
//
// DOM hooks:
//   #team #by #period #from #to          allocation controls (form #controls)
//   #reduce #reclaim #productivity       range sliders (form #model); their outputs
//                                        [data-role=reduce-value|reclaim-value|productivity-value]
//   #category-choices input[data-category=<id>]   checkboxes: non-selling categories reduced
//   #model-reset                         back to the default assumptions
//   #range-label                         the range the numbers cover
//   #time-tiles li[data-kpi=hours|selling_time_share|admin_time_share] [data-role=value]
//   #period-chart #group-chart #trend-chart   ECharts containers
//   #category-table tbody tr[data-group=<id>]: td[data-role=hours], td[data-category=<id>] (share);
//                                        tfoot tr[data-kind=total]
//   #trend-table tbody tr[data-group=<id>]: td[data-period=<label>]; tfoot tr[data-kind=total]
//   #model-tiles [data-role=projected-gain|projected-detail|extra-hours|freed-hours|share-after|
//                 reps-valued|unvalued]
//   #assumptions li                      the model's assumptions in words, from the API
//   #model-table tbody tr[data-group=<id>]: td[data-role=selling-hours|non-selling-hours|revenue|
//                 rate|freed-hours|extra-hours|share|gain|note]; tfoot tr[data-kind=total]
//   #value[data-state]                   "loading" while the model is recomputed, "ready" when shown
import {
  $, api, el, live, showError, setStatus, readState, writeState, fillSelect, Dimensions,
  fmtValue, fmtRange, chart, NONE,
} from './common.js';

const MODEL_DEFAULTS = { reduce: '20', reclaim: '100', productivity: '1', categories: '' };
const defaults = { team: '', by: 'rep', period: 'month', from: '', to: '', ...MODEL_DEFAULTS };
const state = readState(defaults);
const form = $('controls');
const modelForm = $('model');
const valueSection = $('value');

// Colours by category: selling stands out in green, admin-like work in warm
// colours, the rest in cool ones (Okabe–Ito based, as common.js's palette).
const COLOURS = {
  selling: '#009e73', admin: '#e69f00', quoting: '#d55e00', proposal: '#cc79a7', order_processing: '#8c6d1f',
  data_entry: '#6a3d9a', training: '#56b4e9', travel: '#0072b2', internal_meeting: '#1f4e8c', other: '#7f7f7f',
};

let dims = new Dimensions();
let categories = [];
let allocSeq = 0;
let modelSeq = 0;

const hoursFmt = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const fmtHours = (h) => (h === null || h === undefined ? NONE : hoursFmt.format(h) + ' h');
const fmtShare = (v) => fmtValue(v, 'fraction');
const fmtMoney = (v) => fmtValue(v, 'currency');
const label = (g) => dims.label(state.by, g);
const nonSelling = () => categories.filter((c) => !c.selling);

function params() {
  return {
    team: state.team, by: state.by, period: state.period, from: state.from, to: state.to,
    reduce: state.reduce, reclaim: state.reclaim, productivity: state.productivity, categories: state.categories,
  };
}

// ---- controls -------------------------------------------------------------

function showSliderValues() {
  $('reduce-value').textContent = `${Number(state.reduce)}%`;
  $('reclaim-value').textContent = `${Number(state.reclaim)}%`;
  $('productivity-value').textContent = `${Number(state.productivity).toFixed(2)}×`;
}

function setControls() {
  for (const k of ['team', 'by', 'period', 'from', 'to']) form.elements[k].value = state[k];
  for (const k of ['reduce', 'reclaim', 'productivity']) modelForm.elements[k].value = state[k];
  showSliderValues();
  drawCategoryChoices();
}

/** chosenCategories is the set of checked categories (every non-selling one when the state says all). */
function chosenCategories() {
  const chosen = state.categories ? state.categories.split(',') : nonSelling().map((c) => c.id);
  return new Set(chosen);
}

function drawCategoryChoices() {
  const box = $('category-choices');
  if (!categories.length) return;
  const chosen = chosenCategories();
  if (box.children.length !== nonSelling().length) {
    box.replaceChildren(...nonSelling().map((c) => el('label', {},
      el('input', { type: 'checkbox', name: 'category', value: c.id, dataset: { category: c.id } }),
      c.name.charAt(0).toUpperCase() + c.name.slice(1))));
  }
  for (const input of box.querySelectorAll('input')) input.checked = chosen.has(input.value);
}

// ---- drawing: allocation --------------------------------------------------------

function drawTiles(res) {
  const t = res.total;
  $('range-label').textContent = res.start ? `(${fmtRange({ start: res.start, end: res.end })})` : '';
  const set = (kpi, text) => { $('time-tiles').querySelector(`[data-kpi="${kpi}"] [data-role=value]`).textContent = text; };
  set('hours', t ? fmtHours(t.total_minutes / 60) : NONE);
  set('selling_time_share', fmtShare(t?.selling_share ?? null));
  set('admin_time_share', fmtShare(t?.admin_share ?? null));
}

function drawPeriodChart(res) {
  const c = chart($('period-chart'));
  if (!c) return;
  const periods = res.totals.map((a) => a.period);
  c.setOption({
    animation: false,
    legend: { top: 4, type: 'scroll' },
    grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'category', data: periods },
    yAxis: [
      { type: 'value', name: 'hours', axisLabel: { formatter: (x) => hoursFmt.format(x) } },
      { type: 'value', name: 'selling share', min: 0, max: 1, axisLabel: { formatter: (x) => fmtShare(x) }, splitLine: { show: false } },
    ],
    series: [
      ...categories.map((cat) => ({
        name: cat.name, type: 'bar', stack: 'hours', barMaxWidth: 36, color: COLOURS[cat.id],
        data: res.totals.map((a) => a.minutes[cat.id] / 60),
        tooltip: { valueFormatter: fmtHours },
      })),
      {
        name: 'selling share', type: 'line', yAxisIndex: 1, color: '#1a1a1a', symbolSize: 6,
        data: res.totals.map((a) => a.selling_share), tooltip: { valueFormatter: fmtShare },
      },
    ],
  }, { notMerge: true });
}

function drawGroupChart(res) {
  const box = $('group-chart');
  const c = chart(box);
  if (!c) return;
  const groups = [...res.groups].reverse(); // first group at the top
  box.style.height = `${Math.max(240, 26 * groups.length + 90)}px`;
  c.resize();
  c.setOption({
    animation: false,
    legend: { top: 4, type: 'scroll' },
    grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: fmtShare },
    xAxis: { type: 'value', min: 0, max: 1, axisLabel: { formatter: (x) => fmtShare(x) } },
    yAxis: { type: 'category', data: groups.map((g) => label(g.group)) },
    series: categories.map((cat) => ({
      name: cat.name, type: 'bar', stack: 'share', color: COLOURS[cat.id], barMaxWidth: 22,
      data: groups.map((g) => g.shares[cat.id]),
    })),
  }, { notMerge: true });
}

function drawCategoryTable(res) {
  const table = $('category-table');
  const what = state.by === 'team' ? 'Team' : 'Rep';
  table.tHead.replaceChildren(el('tr', {}, el('th', { scope: 'col', text: what }), el('th', { scope: 'col', class: 'num', text: 'Hours' }),
    ...categories.map((c) => el('th', { scope: 'col', class: 'num', text: c.name }))));
  const row = (a, attrs, name) => el('tr', attrs,
    el('th', { scope: 'row', text: name }),
    el('td', { class: 'num', 'data-role': 'hours', text: fmtHours(a.total_minutes / 60) }),
    ...categories.map((c) => el('td', { class: 'num', dataset: { category: c.id }, text: fmtShare(a.shares[c.id]) })));
  const rows = res.groups.map((g) => row(g, { dataset: { group: g.group ?? '' } }, label(g.group)));
  if (!rows.length) rows.push(el('tr', {}, el('td', { colspan: categories.length + 2, class: 'muted', text: 'No time entries in this selection.' })));
  table.tBodies[0].replaceChildren(...rows);
  table.tFoot.replaceChildren(...(res.total && res.groups.length ? [row(res.total, { dataset: { kind: 'total' } }, 'All')] : []));
}

function drawTrend(res) {
  const periods = res.totals.map((a) => a.period);
  const byGroup = new Map();
  for (const a of res.allocation) {
    const k = a.group ?? '';
    if (!byGroup.has(k)) byGroup.set(k, { group: a.group, shares: new Map() });
    byGroup.get(k).shares.set(a.period, a.selling_share);
  }
  const groups = [...byGroup.values()].sort((a, b) => label(a.group).localeCompare(label(b.group)));
  const c = chart($('trend-chart'));
  if (c) {
    const lines = groups.length <= 12 ? groups : [];
    c.setOption({
      animation: false,
      legend: { top: 4, type: 'scroll' },
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', valueFormatter: fmtShare },
      xAxis: { type: 'category', data: periods },
      yAxis: { type: 'value', min: 0, max: 1, axisLabel: { formatter: (x) => fmtShare(x) } },
      series: [
        { name: 'All', type: 'line', color: '#1a1a1a', lineStyle: { width: 3 }, data: res.totals.map((a) => a.selling_share) },
        ...lines.map((g) => ({ name: label(g.group), type: 'line', showSymbol: false, connectNulls: false, data: periods.map((p) => g.shares.get(p) ?? null) })),
      ],
    }, { notMerge: true });
  }
  const table = $('trend-table');
  table.tHead.replaceChildren(el('tr', {}, el('th', { scope: 'col', text: state.by === 'team' ? 'Team' : 'Rep' }),
    ...periods.map((p) => el('th', { scope: 'col', class: 'num', text: p }))));
  const rows = groups.map((g) => el('tr', { dataset: { group: g.group ?? '' } }, el('th', { scope: 'row', text: label(g.group) }),
    ...periods.map((p) => el('td', { class: 'num', dataset: { period: p }, text: fmtShare(g.shares.get(p) ?? null) }))));
  if (!rows.length) rows.push(el('tr', {}, el('td', { colspan: periods.length + 1, class: 'muted', text: 'No time entries in this selection.' })));
  table.tBodies[0].replaceChildren(...rows);
  table.tFoot.replaceChildren(...(groups.length ? [el('tr', { dataset: { kind: 'total' } }, el('th', { scope: 'row', text: 'All' }),
    ...res.totals.map((a) => el('td', { class: 'num', dataset: { period: a.period }, text: fmtShare(a.selling_share) })))] : []));
}

// ---- drawing: the value model -------------------------------------------------

function drawModel(res) {
  const m = res.value_model;
  const t = m.total;
  const tiles = $('model-tiles');
  const set = (role, text) => { tiles.querySelector(`[data-role="${role}"]`).textContent = text; };
  set('projected-gain', fmtMoney(t.projected_gain));
  set('projected-detail', res.start ? `over ${fmtRange({ start: res.start, end: res.end })}` : t.note || '');
  set('extra-hours', fmtHours(t.extra_selling_hours));
  set('freed-hours', `of ${fmtHours(t.freed_hours)} freed`);
  set('share-after', `${fmtShare(t.selling_share)} → ${fmtShare(t.selling_share_after)}`);
  set('reps-valued', `${t.projected_reps} of ${t.reps}`);
  set('unvalued', t.unvalued_hours > 0 ? `${fmtHours(t.unvalued_hours)} not valued: no selling time or no won revenue` : '');
  $('assumptions').replaceChildren(...m.explanation.map((s) => el('li', { text: s })));

  const table = $('model-table');
  const what = state.by === 'team' ? 'Team' : 'Rep';
  table.tHead.replaceChildren(el('tr', {}, ...[what, 'Selling h', 'Non-selling h', 'Won revenue', 'Revenue / selling h', 'Freed h',
    'Extra selling h', 'Selling share now → after', 'Projected gain', 'Note'].map((h, i) => el('th', { scope: 'col', class: i > 0 && i < 9 ? 'num' : null, text: h }))));
  const row = (f, attrs, name) => el('tr', attrs,
    el('th', { scope: 'row', text: name }),
    el('td', { class: 'num', 'data-role': 'selling-hours', text: fmtHours(f.selling_hours) }),
    el('td', { class: 'num', 'data-role': 'non-selling-hours', text: fmtHours(f.non_selling_hours) }),
    el('td', { class: 'num', 'data-role': 'revenue', text: fmtMoney(f.revenue) }),
    el('td', { class: 'num', 'data-role': 'rate', text: fmtMoney(f.revenue_per_selling_hour) }),
    el('td', { class: 'num', 'data-role': 'freed-hours', text: fmtHours(f.freed_hours) }),
    el('td', { class: 'num', 'data-role': 'extra-hours', text: fmtHours(f.extra_selling_hours) }),
    el('td', { class: 'num', 'data-role': 'share', text: `${fmtShare(f.selling_share)} → ${fmtShare(f.selling_share_after)}` }),
    el('td', { class: 'num', 'data-role': 'gain', text: fmtMoney(f.projected_gain) }),
    el('td', { class: 'wrap muted', 'data-role': 'note', text: f.note || '' }));
  const lines = state.by === 'team' ? m.teams.map((x) => [x, x.team]) : m.reps.map((x) => [x, x.rep]);
  const rows = lines.map(([f, id]) => row(f, { dataset: { group: id } }, dims.label(state.by, id)));
  if (!rows.length) rows.push(el('tr', {}, el('td', { colspan: 10, class: 'muted', text: 'No reps with time or won revenue in this selection.' })));
  table.tBodies[0].replaceChildren(...rows);
  table.tFoot.replaceChildren(row(t, { dataset: { kind: 'total' } }, 'All'));
  valueSection.dataset.state = 'ready';
}

// ---- loading ---------------------------------------------------------------------

/** load fetches everything and redraws the whole page. */
async function load() {
  const mineAlloc = ++allocSeq;
  const mineModel = ++modelSeq;
  valueSection.dataset.state = 'loading';
  const res = await api('/time', params());
  categories = res.categories || [];
  if (mineAlloc === allocSeq) {
    setStatus(res.notes?.length ? res.notes.join(' ') : '');
    drawCategoryChoices();
    drawTiles(res);
    drawPeriodChart(res);
    drawGroupChart(res);
    drawCategoryTable(res);
    drawTrend(res);
  }
  if (mineModel === modelSeq) drawModel(res);
}

/** loadModel asks the API again with the current assumptions and redraws the model only. */
async function loadModel() {
  const mine = ++modelSeq;
  valueSection.dataset.state = 'loading';
  const res = await api('/time', params());
  if (mine === modelSeq) drawModel(res);
}

async function refresh() {
  dims = await Dimensions.load();
  fillSelect($('team'), dims.teamOptions(), 1, state.team);
  setControls();
  await load();
}

// ---- events ------------------------------------------------------------------------

form.addEventListener('change', () => {
  for (const k of ['team', 'by', 'period', 'from', 'to']) state[k] = form.elements[k].value;
  writeState(state, defaults, true);
  load().catch(showError);
});
form.addEventListener('submit', (e) => e.preventDefault());

let modelTimer = 0;
function modelChanged(delay) {
  writeState(state, defaults);
  clearTimeout(modelTimer);
  modelTimer = setTimeout(() => loadModel().catch(showError), delay);
}

modelForm.addEventListener('input', (e) => {
  const name = e.target.name;
  if (name === 'reduce' || name === 'reclaim' || name === 'productivity') {
    state[name] = e.target.value;
    showSliderValues();
    modelChanged(120);
  }
});
modelForm.addEventListener('change', (e) => {
  if (e.target.name !== 'category') return;
  const checked = [...$('category-choices').querySelectorAll('input:checked')].map((i) => i.value);
  if (checked.length === 0) {
    // Reducing nothing is the 0% slider; keep at least one category.
    e.target.checked = true;
    setStatus('Keep at least one category to reduce (or set the reduction to 0%).');
    return;
  }
  setStatus('');
  state.categories = checked.length === nonSelling().length ? '' : checked.join(',');
  modelChanged(0);
});
modelForm.addEventListener('submit', (e) => e.preventDefault());
$('model-reset').addEventListener('click', () => {
  Object.assign(state, MODEL_DEFAULTS);
  setControls();
  modelChanged(0);
});
window.addEventListener('popstate', () => {
  Object.assign(state, readState(defaults));
  setControls();
  load().catch(showError);
});

refresh().catch(showError);
live(refresh);
