// KPI explorer: one KPI over periods, optionally broken down by a
// dimension (top 10 groups by total), as a chart and a table; a chart point
// or a table row drills down to the records behind the number. Below the
// chart, "Explain a change" compares two periods and shows why the KPI moved.
// Data: /api/v1/kpis, /api/v1/dimensions, /api/v1/values, /api/v1/drilldown,
//   /api/v1/explain?kpi=&from=&to=&<filters>  → {kpi, from, to, old, new, change, drivers:[{name,kpi,unit,old,new,contribution}],
//        breakdowns:[{dimension, method: additive|mix_rate|values, segments:[{value,name,old,new,contribution,mix,rate}]}],
//        stages:[{stage,exits_from,rate_from,exits_to,rate_to,z}], findings:[{kind,text,impact,share,kpi,filters,dimension}], notes}
//        A 400 answer ({error:{param, message}}) is shown in the panel.
//
// URL query (every control; shareable): kpi, period (default month), by, team,
// rep, from, to, chart (line|bar), the open drill-down: at (period label),
// g=1 and v (breakdown value) when it is one group's; explain=<from>..<to>
// (period labels) for the explained change; and any other dimension as a
// filter (region=EMEA, segment=…, source=…: links from findings set them;
// they show as removable chips).
//
// DOM hooks:
//   #kpi #period #by #team #rep #from #to #chart   the controls (same names as the URL keys)
//   #filters[hidden] #filter-list li[data-dim=<dimension>]   the other dimension filters,
//                                  each with button[data-role=remove]
//   #chart-box                     the ECharts chart; clicking a point drills it (the records
//                                  show below without moving the focus) and picks it for the
//                                  explanation: two clicks set #explain-from and #explain-to
//   #values-table tbody tr[data-period=<label>][data-drill]  one row per period, newest first;
//                                  clicking it (or its th button[data-role=drill]) drills the period
//     td[data-role=value]          formatted value; with a breakdown one per group (the columns)
//                                  with data-group=<value>, holding a button[data-role=drill]
//                                  that drills that period and group
//   #series-note                   "top 10 of N" note when groups were left out
//   #explain-form: #explain-from #explain-to (period selects, oldest first; default the last
//                                  two periods shown), #explain-run ("Explain change"),
//                                  #explain-hint (what was picked on the chart)
//   #explain[hidden][data-state=loading|ready|error][aria-busy]  the explanation panel;
//                                  data-from, data-to: the periods explained; #explain-close hides it
//     #explain-heading, #explain-scope
//     [data-role=error][data-param]  the API's message when it refused (param: from, to, kpi, …)
//     [data-role=headline]         the change in words ("Revenue rose by 1,350 from 2025-Q1 …")
//     #explain-findings li[data-role=finding][data-kind=driver|segment|stage][data-dimension]
//                                  the other findings, largest impact first; segment findings
//                                  (and drivers that are KPIs) hold a[data-role=explore]: the
//                                  explorer with that segment's filters and the same periods
//     #explain-drivers tbody tr[data-driver=<name>]: td[data-role=old|new|contribution|share];
//                                  tfoot tr[data-kind=total] (in #explain-drivers-box, hidden
//                                  for KPIs without a driver tree)
//     #explain-segments section[data-dimension=<dim>][data-method]: table tbody
//                                  tr[data-segment=<value>]: th (a[data-role=explore] unless blank),
//                                  td[data-role=old|new|contribution|rate|mix]
//     #explain-stages tbody tr[data-stage]: td[data-role=exits_from|rate_from|exits_to|rate_to|z]
//     #explain-notes li             the API's notes
//   #drill[hidden]                 drill-down section; data-period, data-group (breakdown value, "" for all)
//     #drill-heading               what the records are behind
//     .measure[data-measure=<id>]  one per measure: [data-role=count], table.records
import {
  $, api, el, live, showError, setStatus, readState, writeState, fillSelect, Dimensions,
  fmtValue, humanize, chart, palette, keepFocus, explorePath, NONE,
} from './common.js';

const defaults = { kpi: '', period: 'month', by: '', team: '', rep: '', from: '', to: '', chart: 'line', at: '', g: '', v: '', explain: '' };
const state = readState(defaults);
let extra = readExtra(); // other dimension filters: {region: 'EMEA', ...}
const form = $('controls');
const TOP = 10;

let catalog = [];
let dims = new Dimensions();
let view = null; // {kpi, by, periods, groups} of the drawn values
let seq = 0;
let explainSeq = 0;
let picks = []; // periods clicked on the chart for the explanation, at most one pending
let chosen = false; // periods chosen for the explanation (picked or selected): the chart marks them

const kpiInfo = (id) => catalog.find((k) => k.id === id) || { id, name: id, unit: '' };

/** readExtra reads the URL's other dimension filters (any key that is not a control). */
function readExtra() {
  const out = {};
  for (const [k, v] of new URLSearchParams(location.search)) {
    if (!(k in defaults) && v && /^[a-z_]+$/.test(k)) out[k] = v;
  }
  return out;
}

/** filters are the dimension filters of every request: team, rep and the others. */
function filters() {
  return { team: state.team, rep: state.rep, ...extra };
}

/** save puts the state and the other filters into the URL. */
function save(push = false) {
  writeState({ ...state, ...extra }, defaults, push);
}

/** parseExplain reads "from..to"; a value without ".." is all "from" (the API says what is wrong). */
function parseExplain(s) {
  if (!s) return null;
  const i = s.indexOf('..');
  return i < 0 ? { from: s, to: '' } : { from: s.slice(0, i), to: s.slice(i + 2) };
}

function fillControls() {
  const cats = [];
  for (const k of catalog) {
    let g = cats.find((c) => c.id === k.category);
    if (!g) cats.push((g = { id: k.category, label: humanize(k.category), options: [] }));
    g.options.push({ value: k.id, label: k.name || k.id });
  }
  fillSelect($('kpi'), cats, 0, state.kpi);
  if (!state.kpi || !catalog.some((k) => k.id === state.kpi)) {
    state.kpi = catalog.some((k) => k.id === 'revenue') ? 'revenue' : catalog[0]?.id || '';
  }
  fillSelect($('by'), dims.list.map((d) => ({ value: d, label: humanize(d) })), 1, state.by);
  fillSelect($('team'), dims.teamOptions(), 1, state.team);
  const reps = [...dims.reps].sort((a, b) => (a.name || a.id).localeCompare(b.name || b.id));
  fillSelect($('rep'), reps.map((r) => ({ value: r.id, label: r.name || r.id })), 1, state.rep);
  for (const name of ['kpi', 'period', 'by', 'team', 'rep', 'from', 'to', 'chart']) {
    const c = form.elements[name];
    if (c.tagName === 'SELECT' && state[name] && ![...c.options].some((o) => o.value === state[name])) {
      c.append(el('option', { value: state[name], text: state[name] }));
    }
    c.value = state[name];
  }
  // Only dimensions the API knows are filters; team and rep have their controls.
  for (const k of Object.keys(extra)) {
    if (!dims.list.includes(k) || k === 'team' || k === 'rep') delete extra[k];
  }
  drawFilters();
}

/** drawFilters shows the other dimension filters as chips that can be removed. */
function drawFilters() {
  const keys = Object.keys(extra);
  $('filters').hidden = keys.length === 0;
  $('filter-list').replaceChildren(...keys.map((k) => el('li', { class: 'chip', dataset: { dim: k } },
    el('span', { text: `${humanize(k)}: ${extra[k]}` }),
    el('button', {
      type: 'button', class: 'chip-remove', 'data-role': 'remove', text: '×', 'aria-label': `Remove the filter ${humanize(k)}: ${extra[k]}`,
      on: {
        click: () => {
          delete extra[k];
          state.at = '';
          state.g = '';
          state.v = '';
          save(true);
          drawFilters();
          load().catch(showError);
        },
      },
    }))));
}

/** shape groups the value rows into periods and series (top 10 by total). */
function shape(rows, by) {
  const periods = [];
  const seen = new Map();
  for (const r of rows) {
    if (!seen.has(r.period)) {
      seen.set(r.period, periods.length);
      periods.push({ label: r.period, start: r.start || '' });
    }
  }
  periods.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const index = new Map(periods.map((p, i) => [p.label, i]));
  const groups = new Map();
  for (const r of rows) {
    const key = by ? (r[by] ?? null) : null;
    const k = JSON.stringify(key);
    if (!groups.has(k)) groups.set(k, { value: key, data: new Array(periods.length).fill(null), total: 0 });
    const g = groups.get(k);
    g.data[index.get(r.period)] = r.value;
    if (typeof r.value === 'number') g.total += r.value;
  }
  const all = [...groups.values()].sort((a, b) => b.total - a.total);
  return { periods, groups: all.slice(0, TOP), count: all.length };
}

function groupLabel(by, g) {
  return by ? dims.label(by, g.value) : kpiInfo(state.kpi).name || state.kpi;
}

/** explainMarks are the chart's vertical lines at the two periods chosen for the explanation. */
function explainMarks() {
  const known = new Set((view?.periods || []).map((p) => p.label));
  const from = $('explain-from').value;
  const to = $('explain-to').value;
  const data = [];
  if (!chosen && !state.explain) return { data };
  if (known.has(from)) data.push({ xAxis: from, label: { formatter: 'from' } });
  if (known.has(to) && to !== from) data.push({ xAxis: to, label: { formatter: 'to' } });
  return { silent: true, symbol: 'none', lineStyle: { type: 'dashed', color: '#5a6473' }, label: { position: 'end' }, data };
}

function markExplain() {
  const c = view && window.echarts?.getInstanceByDom($('chart-box'));
  if (c && view.groups.length) c.setOption({ series: [{ markLine: explainMarks() }] });
}

function drawChart(v) {
  const c = chart($('chart-box'));
  if (!c) return;
  const k = kpiInfo(v.kpi);
  const type = state.chart === 'bar' ? 'bar' : 'line';
  c.setOption(
    {
      color: palette,
      animation: false,
      grid: { left: 8, right: 28, top: v.by ? 48 : 16, bottom: 8, containLabel: true },
      legend: v.by ? { type: 'scroll', top: 4 } : { show: false },
      tooltip: { trigger: 'axis', valueFormatter: (x) => fmtValue(x, k.unit) },
      xAxis: { type: 'category', data: v.periods.map((p) => p.label), boundaryGap: type === 'bar' },
      yAxis: { type: 'value', axisLabel: { formatter: (x) => fmtValue(x, k.unit, true) } },
      series: v.groups.map((g, i) => ({
        name: groupLabel(v.by, g),
        type,
        data: g.data,
        connectNulls: false,
        showSymbol: v.periods.length <= 40,
        emphasis: { focus: 'series' },
        cursor: 'pointer',
        markLine: i === 0 ? explainMarks() : undefined,
      })),
    },
    { notMerge: true },
  );
  c.off('click');
  c.on('click', (p) => {
    const g = view?.groups[p.seriesIndex];
    const period = view?.periods[p.dataIndex];
    if (!period) return;
    pick(period.label);
    if (g) drill(period.label, g.value, true, false);
  });
}

function drawTable(v) {
  const table = $('values-table');
  keepFocus(table, () => redrawTable(table, v));
}

function redrawTable(table, v) {
  const k = kpiInfo(v.kpi);
  const cols = v.by ? v.groups : [{ value: undefined }];
  table.tHead.replaceChildren(el('tr', {},
    el('th', { scope: 'col', text: 'Period' }),
    ...cols.map((g) => el('th', { scope: 'col', class: 'num', text: v.by ? groupLabel(v.by, g) : 'Value' }))));
  const rows = [];
  for (let i = v.periods.length - 1; i >= 0; i--) {
    const p = v.periods[i];
    const tr = el('tr', { dataset: { period: p.label, drill: '' }, on: { click: () => drill(p.label, undefined, true) } },
      el('th', { scope: 'row' }, el('button', {
        type: 'button', class: 'linkish', 'data-role': 'drill', text: p.label,
        'aria-label': `Records behind ${p.label}${v.by ? ', all groups' : ''}`,
        on: { click: (e) => { e.stopPropagation(); drill(p.label, undefined, true); } },
      })),
      ...cols.map((g) => {
        const x = v.by ? g.data[i] : v.groups[0]?.data[i] ?? null;
        const td = el('td', { class: 'num', 'data-role': 'value' });
        if (v.by) td.dataset.group = g.value ?? '';
        if (v.by && g.value !== null && x !== null) {
          td.append(el('button', {
            type: 'button', class: 'linkish', 'data-role': 'drill', text: fmtValue(x, k.unit),
            'aria-label': `Records behind ${p.label}, ${groupLabel(v.by, g)}`,
            on: { click: (e) => { e.stopPropagation(); drill(p.label, g.value, true); } },
          }));
        } else {
          td.textContent = fmtValue(x, k.unit);
        }
        return td;
      }));
    rows.push(tr);
  }
  if (!rows.length) {
    rows.push(el('tr', {}, el('td', { colspan: cols.length + 1, class: 'muted', text: 'No values for this selection.' })));
  }
  table.tBodies[0].replaceChildren(...rows);
  markSelected();
  $('series-note').textContent = v.count > TOP ? `Showing the top ${TOP} of ${v.count} ${humanize(v.by).toLowerCase()} values by total.` : '';
}

function markSelected() {
  for (const tr of $('values-table').tBodies[0].rows) {
    if (state.at && tr.dataset.period === state.at) tr.setAttribute('aria-selected', 'true');
    else tr.removeAttribute('aria-selected');
    for (const td of tr.querySelectorAll('td[data-group]')) {
      td.classList.toggle('selected', Boolean(state.at) && tr.dataset.period === state.at && state.g === '1' && td.dataset.group === state.v);
    }
  }
}

function describe(k) {
  const bits = [k.description, k.unit && `Unit: ${k.unit}.`, k.direction && `${k.direction === 'lower' ? 'Lower' : 'Higher'} is better.`];
  $('kpi-description').textContent = bits.filter(Boolean).join(' ');
  $('result-heading').textContent = k.name || k.id;
}

async function load() {
  const mine = ++seq;
  if (!state.kpi) return;
  const k = kpiInfo(state.kpi);
  describe(k);
  const res = await api('/values', {
    kpi: state.kpi, period: state.period, by: state.by, from: state.from, to: state.to, ...filters(),
  });
  if (mine !== seq) return;
  const v = { kpi: state.kpi, by: state.by, ...shape(res.rows || [], state.by) };
  view = v;
  setStatus((res.notes || []).join(' '));
  fillExplain(v);
  drawChart(v);
  drawTable(v);
  const explained = state.explain ? explain(false) : hideExplain();
  const drilled = state.at ? drill(state.at, state.by && state.g === '1' ? state.v : undefined, false) : ($('drill').hidden = true);
  await Promise.all([explained, drilled]);
}

/**
 * drill shows the records behind one period, for one breakdown group or
 * (group undefined) all of them; when the user asked, the URL records it
 * and (unless focus is false: a chart click, which also picks the period
 * for the explanation) the focus moves there.
 */
async function drill(at, group, user, focus = user) {
  const grouped = Boolean(view?.by) && group !== undefined;
  if (grouped && group === null) {
    setStatus('Records behind a blank group cannot be listed; pick another cell.');
    return;
  }
  state.at = at;
  state.g = grouped ? '1' : '';
  state.v = grouped ? String(group) : '';
  if (user) save();
  markSelected();
  const params = { kpi: state.kpi, period: state.period, at, ...filters() };
  if (grouped) params[view.by] = group;
  const mine = seq;
  const d = await api('/drilldown', params);
  if (mine !== seq) return;
  const k = kpiInfo(state.kpi);
  const box = $('drill');
  box.dataset.period = at;
  box.dataset.group = state.v;
  const where = [at, grouped && `${humanize(view.by)}: ${dims.label(view.by, group)}`].filter(Boolean).join(' · ');
  $('drill-heading').textContent = `Records behind ${k.name || k.id} · ${where}`;
  const parts = (d.measures || []).map((m) => {
    const count = `${m.count ?? (m.rows || []).length} ${m.entity || 'records'}` + (m.truncated ? ` (showing the first ${(m.rows || []).length})` : '');
    const cols = m.columns || [];
    return el('div', { class: 'measure', dataset: { measure: m.id } },
      el('h3', { text: humanize(m.id) }),
      m.description ? el('p', { class: 'muted', text: m.description }) : null,
      el('p', { 'data-role': 'count', text: count }),
      (m.rows || []).length
        ? el('div', { class: 'table-wrap records-wrap' }, el('table', { class: 'data records' },
          el('caption', { text: `${humanize(m.id)}: ${m.entity || 'records'}` }),
          el('thead', {}, el('tr', {}, ...cols.map((c) => el('th', { scope: 'col', text: c })))),
          el('tbody', {}, ...(m.rows || []).map((r) => el('tr', {}, ...r.map((x) => el('td', { text: x === null || x === undefined ? '' : String(x) })))))))
        : null);
  });
  if (!parts.length) parts.push(el('p', { class: 'muted', text: 'No records.' }));
  $('drill-body').replaceChildren(...parts);
  box.hidden = false;
  if (focus) $('drill-heading').focus();
}

// ---- explaining a change -------------------------------------------------------------

const explainForm = $('explain-form');
const fromSel = $('explain-from');
const toSel = $('explain-to');
const explainBox = $('explain');

/**
 * fillExplain offers the periods shown (oldest first) in the two selects:
 * the explained ones when the URL names them, else what was chosen before,
 * else the last two.
 */
function fillExplain(v) {
  const labels = v.periods.map((p) => p.label);
  const e = parseExplain(state.explain);
  const opts = (extraLabel) => {
    const list = labels.map((l) => ({ value: l, label: l }));
    if (extraLabel && !labels.includes(extraLabel)) list.push({ value: extraLabel, label: extraLabel });
    return list;
  };
  const n = labels.length;
  const from = e ? e.from : labels.includes(fromSel.value) ? fromSel.value : labels[Math.max(0, n - 2)] || '';
  const to = e ? e.to : labels.includes(toSel.value) ? toSel.value : labels[n - 1] || '';
  fillSelect(fromSel, opts(from), 0, from);
  fillSelect(toSel, opts(to), 0, to);
  fromSel.value = from;
  toSel.value = to;
  $('explain-run').disabled = n < 2 && !e;
  picks = [];
}

const periodIndex = (label) => (view?.periods || []).findIndex((p) => p.label === label);

/** pick takes a period clicked on the chart: the first of a pair, then the second. */
function pick(label) {
  picks = [...picks.filter((x) => x !== label), label];
  chosen = true;
  const hint = $('explain-hint');
  if (picks.length < 2) {
    hint.textContent = `${label} picked: click another period on the chart to compare it with.`;
    return;
  }
  const [a, b] = picks.sort((x, y) => periodIndex(x) - periodIndex(y));
  picks = [];
  fromSel.value = a;
  toSel.value = b;
  clearInvalid();
  markExplain();
  hint.textContent = `${a} and ${b} picked: press "Explain change".`;
}

function clearInvalid() {
  fromSel.removeAttribute('aria-invalid');
  toSel.removeAttribute('aria-invalid');
}

function hideExplain() {
  explainSeq++;
  explainBox.hidden = true;
  explainBox.dataset.state = '';
  explainBox.setAttribute('aria-busy', 'false');
  delete explainBox.dataset.from;
  delete explainBox.dataset.to;
  delete explainBox.dataset.key;
}

function setExplainState(s) {
  explainBox.dataset.state = s;
  explainBox.setAttribute('aria-busy', String(s === 'loading'));
  explainBox.querySelector('[data-role=loading]').hidden = s !== 'loading';
  explainBox.querySelector('[data-role=error]').hidden = s !== 'error';
  $('explain-body').hidden = s !== 'ready';
}

/** scopeText says which filters the explanation is for. */
function scopeText(f) {
  const bits = Object.entries(f).filter(([, v]) => v).map(([d, v]) => `${humanize(d)}: ${String(v).split(',').map((x) => dims.label(d, x)).join(', ')}`);
  return bits.length ? `For ${bits.join(' · ')}.` : 'For the whole organisation.';
}

/** explain asks the API why the KPI moved between the two periods of state.explain. */
async function explain(user) {
  const e = parseExplain(state.explain);
  if (!e) return hideExplain();
  const mine = ++explainSeq;
  const k = kpiInfo(state.kpi);
  const f = filters();
  const params = { kpi: state.kpi, from: e.from, to: e.to, ...f };
  const key = JSON.stringify(params);
  // Asked again for what is shown (a live update): keep it in view until the new answer.
  const again = !explainBox.hidden && explainBox.dataset.state === 'ready' && explainBox.dataset.key === key;
  explainBox.hidden = false;
  explainBox.dataset.from = e.from;
  explainBox.dataset.to = e.to;
  explainBox.dataset.key = key;
  $('explain-heading').textContent = `Why ${k.name || k.id} changed from ${e.from || '?'} to ${e.to || '?'}`;
  $('explain-scope').textContent = scopeText(f);
  if (again) explainBox.setAttribute('aria-busy', 'true');
  else setExplainState('loading');
  clearInvalid();
  markExplain();
  if (user) $('explain-heading').focus();
  try {
    const rep = await api('/explain', params);
    if (mine !== explainSeq) return;
    keepFocus(explainBox, () => drawExplain(rep, e));
    setExplainState('ready');
  } catch (err) {
    if (mine !== explainSeq) return;
    console.error(err);
    const box = explainBox.querySelector('[data-role=error]');
    box.dataset.param = err.param || '';
    box.textContent = err.status === 400 || err.status === 404
      ? `The change could not be explained: ${err.message}`
      : `The explanation could not be loaded: ${err instanceof Error ? err.message : String(err)}`;
    if (err.param === 'from') fromSel.setAttribute('aria-invalid', 'true');
    if (err.param === 'to') toSel.setAttribute('aria-invalid', 'true');
    setExplainState('error');
  }
}

/** signed formats a part of a change with its sign; fractions in percentage points. */
function signed(v, unit) {
  if (v === null || v === undefined || Number.isNaN(v)) return NONE;
  const s = v > 0 ? '+' : v < 0 ? '−' : '±';
  if (unit === 'fraction') return s + fmtValue(Math.abs(v), 'fraction').replace('%', ' pts');
  return s + fmtValue(Math.abs(v), unit);
}

/** fmtZ writes a z statistic with two decimals and a real minus sign. */
function fmtZ(z) {
  if (z === null || z === undefined || !Number.isFinite(z)) return NONE;
  const r = Math.round(z * 100) / 100;
  return (r < 0 ? '−' : '') + Math.abs(r).toFixed(2);
}

/** linkable: a segment value that a filter can select ("(blank)" and "(directly in T1)" cannot). */
const linkable = (v) => v !== undefined && v !== null && v !== '' && !String(v).startsWith('(');

/** segmentLink opens the explorer on a segment, explaining the same change there. */
function segmentLink(kpiId, f, e, text, label) {
  return el('a', {
    'data-role': 'explore', href: explorePath({ kpi: kpiId, grain: state.period, filters: f, explain: e }), text, 'aria-label': label,
  });
}

function drawExplain(rep, e) {
  const k = rep.kpi || kpiInfo(state.kpi);
  const unit = k.unit;
  const findings = rep.findings || [];
  const head = findings[0]?.kind === 'change' ? findings[0] : null;
  explainBox.querySelector('[data-role=headline]').textContent = head ? head.text : `${k.name}: ${fmtValue(rep.old, unit)} in ${rep.from}, ${fmtValue(rep.new, unit)} in ${rep.to}`;

  const rest = head ? findings.slice(1) : findings;
  const items = rest.map((f) => {
    const li = el('li', { 'data-role': 'finding', dataset: { kind: f.kind, dimension: f.dimension || null } }, el('span', { text: f.text }));
    const value = f.dimension ? f.filters?.[f.dimension] : undefined;
    if (f.kind === 'segment' && linkable(value)) {
      li.append(' ', segmentLink(f.kpi || k.id, f.filters || {}, e, `Explore ${humanize(f.dimension).toLowerCase()} ${dims.label(f.dimension, value)}`,
        `Explore ${k.name} for ${humanize(f.dimension).toLowerCase()} ${dims.label(f.dimension, value)}, ${e.from} to ${e.to}`));
    } else if (f.kind === 'driver' && f.kpi && f.kpi !== k.id) {
      const name = kpiInfo(f.kpi).name || f.kpi;
      li.append(' ', segmentLink(f.kpi, f.filters || {}, e, `Explore ${name.toLowerCase()}`, `Explore ${name}, ${e.from} to ${e.to}`));
    }
    return li;
  });
  if (!items.length) items.push(el('li', { class: 'muted', text: 'Nothing more to say: no driver, segment or funnel stage carries a large part of this change.' }));
  $('explain-findings').replaceChildren(...items);

  // Drivers.
  const drivers = rep.drivers || [];
  $('explain-drivers-box').hidden = drivers.length === 0;
  const table = $('explain-drivers');
  table.querySelector('[data-role=from-label]').textContent = rep.from;
  table.querySelector('[data-role=to-label]').textContent = rep.to;
  const share = (x) => (rep.change ? fmtValue(x / rep.change, 'fraction') : NONE);
  table.tBodies[0].replaceChildren(...drivers.map((d) => el('tr', { dataset: { driver: d.name, kpi: d.kpi || null } },
    el('th', { scope: 'row', text: d.name }),
    el('td', { class: 'num', 'data-role': 'old', text: fmtValue(d.old, d.unit) }),
    el('td', { class: 'num', 'data-role': 'new', text: fmtValue(d.new, d.unit) }),
    el('td', { class: 'num', 'data-role': 'contribution', text: signed(d.contribution, unit) }),
    el('td', { class: 'num', 'data-role': 'share', text: share(d.contribution) }))));
  table.tFoot.replaceChildren(...drivers.length ? [el('tr', { dataset: { kind: 'total' } },
    el('th', { scope: 'row', text: k.name || k.id }),
    el('td', { class: 'num', 'data-role': 'old', text: fmtValue(rep.old, unit) }),
    el('td', { class: 'num', 'data-role': 'new', text: fmtValue(rep.new, unit) }),
    el('td', { class: 'num', 'data-role': 'contribution', text: signed(rep.change, unit) }),
    el('td', { class: 'num', 'data-role': 'share', text: rep.change ? fmtValue(1, 'fraction') : NONE }))] : []);

  // Top segments per dimension.
  const methods = {
    additive: 'Each segment’s own change; the parts add up to the change.',
    mix_rate: 'Each segment’s part split into its own rate moving and its share of the whole moving (mix); the parts add up to the change.',
    values: 'The KPI in each segment; these do not add up to the whole.',
  };
  $('explain-segments').replaceChildren(...(rep.breakdowns || []).map((b) => {
    const mixRate = b.method === 'mix_rate';
    const withPart = b.method !== 'values';
    const hid = `explain-by-${b.dimension}`;
    return el('section', { class: 'segment-breakdown', 'aria-labelledby': hid, dataset: { dimension: b.dimension, method: b.method } },
      el('h3', { id: hid, text: `By ${humanize(b.dimension).toLowerCase()}` }),
      el('p', { class: 'muted small', text: methods[b.method] || '' }),
      el('div', { class: 'table-wrap' }, el('table', { class: 'data' },
        el('caption', { class: 'visually-hidden', text: `${k.name} by ${b.dimension}, ${rep.from} and ${rep.to}, largest change first` }),
        el('thead', {}, el('tr', {},
          el('th', { scope: 'col', text: humanize(b.dimension) }),
          el('th', { scope: 'col', class: 'num', text: rep.from }),
          el('th', { scope: 'col', class: 'num', text: rep.to }),
          withPart ? el('th', { scope: 'col', class: 'num', text: 'Part of the change' }) : null,
          mixRate ? el('th', { scope: 'col', class: 'num', text: 'Rate effect' }) : null,
          mixRate ? el('th', { scope: 'col', class: 'num', text: 'Mix effect' }) : null)),
        el('tbody', {}, ...(b.segments || []).map((s) => {
          const label = s.name && s.name !== s.value ? `${s.name} (${s.value})` : dims.label(b.dimension, s.value);
          const f = { ...filters(), [b.dimension]: s.value };
          return el('tr', { dataset: { segment: s.value } },
            el('th', { scope: 'row' }, linkable(s.value)
              ? segmentLink(k.id, f, e, label, `Explore ${k.name} for ${humanize(b.dimension).toLowerCase()} ${label}, ${e.from} to ${e.to}`)
              : label),
            el('td', { class: 'num', 'data-role': 'old', text: fmtValue(s.old, unit) }),
            el('td', { class: 'num', 'data-role': 'new', text: fmtValue(s.new, unit) }),
            withPart ? el('td', { class: 'num', 'data-role': 'contribution', text: signed(s.contribution, unit) }) : null,
            mixRate ? el('td', { class: 'num', 'data-role': 'rate', text: signed(s.rate, unit) }) : null,
            mixRate ? el('td', { class: 'num', 'data-role': 'mix', text: signed(s.mix, unit) }) : null);
        })))));
  }));

  // Funnel stages.
  const stages = rep.stages || [];
  $('explain-stages-box').hidden = stages.length === 0;
  const st = $('explain-stages');
  st.tHead.replaceChildren(el('tr', {},
    el('th', { scope: 'col', text: 'Stage' }),
    el('th', { scope: 'col', class: 'num', text: `Left in ${rep.from}` }),
    el('th', { scope: 'col', class: 'num', text: 'Moved on' }),
    el('th', { scope: 'col', class: 'num', text: `Left in ${rep.to}` }),
    el('th', { scope: 'col', class: 'num', text: 'Moved on' }),
    el('th', { scope: 'col', class: 'num' }, el('abbr', { title: 'two-proportion z statistic; 1.96 or more in size is significant', text: 'z' }))));
  st.tBodies[0].replaceChildren(...stages.map((s) => el('tr', { dataset: { stage: s.stage } },
    el('th', { scope: 'row', text: humanize(s.stage) }),
    el('td', { class: 'num', 'data-role': 'exits_from', text: fmtValue(s.exits_from, 'count') }),
    el('td', { class: 'num', 'data-role': 'rate_from', text: fmtValue(s.rate_from, 'fraction') }),
    el('td', { class: 'num', 'data-role': 'exits_to', text: fmtValue(s.exits_to, 'count') }),
    el('td', { class: 'num', 'data-role': 'rate_to', text: fmtValue(s.rate_to, 'fraction') }),
    el('td', { class: 'num', 'data-role': 'z', text: fmtZ(s.z) }))));

  $('explain-notes').replaceChildren(...(rep.notes || []).map((n) => el('li', { text: n })));
}

explainForm.addEventListener('submit', (ev) => {
  ev.preventDefault();
  state.explain = `${fromSel.value}..${toSel.value}`;
  $('explain-hint').textContent = '';
  save(true);
  explain(true);
});
explainForm.addEventListener('change', () => {
  picks = [];
  chosen = true;
  clearInvalid();
  markExplain();
});
$('explain-close').addEventListener('click', () => {
  state.explain = '';
  chosen = false;
  save(true);
  hideExplain();
  markExplain();
  $('explain-run').focus();
});

// ---- controls ----------------------------------------------------------------------

function onChange(e) {
  const grain = state.period;
  for (const name of ['kpi', 'period', 'by', 'team', 'rep', 'from', 'to', 'chart']) state[name] = form.elements[name].value;
  if (e?.target?.name === 'chart' && view) {
    save();
    drawChart(view);
    return;
  }
  state.at = '';
  state.g = '';
  state.v = '';
  // Periods of another grain cannot be explained; with the same grain the
  // explanation follows the new KPI or filters.
  if (state.period !== grain) {
    state.explain = '';
    chosen = false;
  }
  save(true);
  load().catch(showError);
}

async function refresh() {
  const [kpis, d] = await Promise.all([api('/kpis'), Dimensions.load()]);
  catalog = kpis || [];
  dims = d;
  fillControls();
  save();
  await load();
}

form.addEventListener('change', onChange);
form.addEventListener('submit', (e) => {
  e.preventDefault();
  onChange();
});
window.addEventListener('popstate', () => {
  Object.assign(state, readState(defaults));
  extra = readExtra();
  fillControls();
  load().catch(showError);
});
refresh().catch(showError);
live(refresh);
