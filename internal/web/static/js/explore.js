// KPI explorer: one KPI over periods, optionally broken down by a
// dimension (top 10 groups by total), as a chart and a table; a chart point
// or a table row drills down to the records behind the number.
// Data: /api/v1/kpis, /api/v1/dimensions, /api/v1/values, /api/v1/drilldown.
//
// URL query (every control; shareable): kpi, period (default month), by, team,
// rep, from, to, chart (line|bar), and the open drill-down: at (period label),
// g=1 and v (breakdown value) when it is one group's.
//
// DOM hooks:
//   #kpi #period #by #team #rep #from #to #chart   the controls (same names as the URL keys)
//   #chart-box                     the ECharts chart
//   #values-table tbody tr[data-period=<label>][data-drill]  one row per period, newest first;
//                                  clicking it (or its th button[data-role=drill]) drills the period
//     td[data-role=value]          formatted value; with a breakdown one per group (the columns)
//                                  with data-group=<value>, holding a button[data-role=drill]
//                                  that drills that period and group
//   #series-note                   "top 10 of N" note when groups were left out
//   #drill[hidden]                 drill-down section; data-period, data-group (breakdown value, "" for all)
//     #drill-heading               what the records are behind
//     .measure[data-measure=<id>]  one per measure: [data-role=count], table.records
import {
  $, api, el, live, showError, setStatus, readState, writeState, fillSelect, Dimensions,
  fmtValue, humanize, chart, palette, keepFocus,
} from './common.js';

const defaults = { kpi: '', period: 'month', by: '', team: '', rep: '', from: '', to: '', chart: 'line', at: '', g: '', v: '' };
const state = readState(defaults);
const form = $('controls');
const TOP = 10;

let catalog = [];
let dims = new Dimensions();
let view = null; // {kpi, by, periods, groups} of the drawn values
let seq = 0;

const kpiInfo = (id) => catalog.find((k) => k.id === id) || { id, name: id, unit: '' };

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
      series: v.groups.map((g) => ({
        name: groupLabel(v.by, g),
        type,
        data: g.data,
        connectNulls: false,
        showSymbol: v.periods.length <= 40,
        emphasis: { focus: 'series' },
        cursor: 'pointer',
      })),
    },
    { notMerge: true },
  );
  c.off('click');
  c.on('click', (p) => {
    const g = view?.groups[p.seriesIndex];
    const period = view?.periods[p.dataIndex];
    if (g && period) drill(period.label, g.value, true);
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
    kpi: state.kpi, period: state.period, by: state.by, team: state.team, rep: state.rep, from: state.from, to: state.to,
  });
  if (mine !== seq) return;
  const v = { kpi: state.kpi, by: state.by, ...shape(res.rows || [], state.by) };
  view = v;
  setStatus((res.notes || []).join(' '));
  drawChart(v);
  drawTable(v);
  if (state.at) await drill(state.at, state.by && state.g === '1' ? state.v : undefined, false);
  else $('drill').hidden = true;
}

/**
 * drill shows the records behind one period, for one breakdown group or
 * (group undefined) all of them; focus moves there when the user asked.
 */
async function drill(at, group, user) {
  const grouped = Boolean(view?.by) && group !== undefined;
  if (grouped && group === null) {
    setStatus('Records behind a blank group cannot be listed; pick another cell.');
    return;
  }
  state.at = at;
  state.g = grouped ? '1' : '';
  state.v = grouped ? String(group) : '';
  if (user) writeState(state, defaults);
  markSelected();
  const params = { kpi: state.kpi, period: state.period, at, team: state.team, rep: state.rep };
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
  if (user) $('drill-heading').focus();
}

function onChange(e) {
  for (const name of ['kpi', 'period', 'by', 'team', 'rep', 'from', 'to', 'chart']) state[name] = form.elements[name].value;
  if (e?.target?.name === 'chart' && view) {
    writeState(state, defaults);
    drawChart(view);
    return;
  }
  state.at = '';
  state.g = '';
  state.v = '';
  writeState(state, defaults, true);
  load().catch(showError);
}

async function refresh() {
  const [kpis, d] = await Promise.all([api('/kpis'), Dimensions.load()]);
  catalog = kpis || [];
  dims = d;
  fillControls();
  writeState(state, defaults);
  await load();
}

form.addEventListener('change', onChange);
form.addEventListener('submit', (e) => {
  e.preventDefault();
  onChange();
});
window.addEventListener('popstate', () => {
  Object.assign(state, readState(defaults));
  fillControls();
  load().catch(showError);
});
refresh().catch(showError);
live(refresh);
