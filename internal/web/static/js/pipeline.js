// Pipeline: open, weighted and created pipeline and coverage by month, the
// latest month as tiles, and the funnel of deals entering each stage.
// Data: /api/v1/kpis, /api/v1/dimensions,
//   /api/v1/values?kpi=pipeline_value,weighted_pipeline,pipeline_created,pipeline_coverage&period=month
//   /api/v1/funnel?from=&to=&team=  → {"stages":[{"stage","entered","amount"}, ...]} in stage order
//
// URL query: team, from, to.
//
// DOM hooks:
//   #team #from #to               controls
//   #latest-period                label of the month the tiles show
//   #pipeline-tiles li.tile[data-kpi=<id>]  one per KPI (stable): [data-role=value], [data-role=change]
//   #trend-chart #coverage-chart #funnel-chart  ECharts containers
//   #trend-table tbody tr[data-period=<YYYY-MM>]: td[data-kpi=<id>]
//   #funnel-table tbody tr[data-stage=<stage>]: td[data-role=entered|amount|conversion];
//                                  lost stages (exits, not steps) have data-exit="true" and no conversion
import {
  $, api, el, live, showError, setStatus, readState, writeState, fillSelect, Dimensions,
  fmtValue, fmtChange, changeClass, arrow, humanize, chart, palette,
} from './common.js';

const KPIS = ['pipeline_value', 'weighted_pipeline', 'pipeline_created', 'pipeline_coverage'];
const defaults = { team: '', from: '', to: '' };
const state = readState(defaults);
const form = $('controls');

let catalog = [];
let seq = 0;
const kpiInfo = (id) => catalog.find((k) => k.id === id) || { id, name: humanize(id), unit: id === 'pipeline_coverage' ? 'ratio' : 'currency', direction: 'higher' };

function byMonth(rows) {
  const months = new Map();
  for (const r of rows) {
    if (!months.has(r.period)) months.set(r.period, { label: r.period, start: r.start || r.period, values: {} });
    months.get(r.period).values[r.kpi] = r.value;
  }
  return [...months.values()].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}

function drawTiles(months) {
  const withData = months.filter((m) => KPIS.some((id) => typeof m.values[id] === 'number'));
  const last = withData[withData.length - 1];
  const prev = withData[withData.length - 2];
  $('latest-period').textContent = last ? `(${last.label})` : '';
  const ul = $('pipeline-tiles');
  KPIS.forEach((id, i) => {
    const k = kpiInfo(id);
    let li = ul.querySelector(`li[data-kpi="${id}"]`);
    if (!li) {
      li = el('li', { class: 'tile', dataset: { kpi: id } },
        el('h3', { class: 'tile-name' }, el('a', { href: `/explore?kpi=${id}&period=month` })),
        el('p', { class: 'tile-value', 'data-role': 'value' }),
        el('p', { class: 'tile-change', 'data-role': 'change' }));
      ul.insertBefore(li, ul.children[i] || null);
    }
    const team = state.team ? `&team=${encodeURIComponent(state.team)}` : '';
    const a = li.querySelector('a');
    a.textContent = k.name;
    a.href = `/explore?kpi=${id}&period=month${team}`;
    const v = last?.values[id] ?? null;
    const p = prev?.values[id] ?? null;
    const change = typeof v === 'number' && typeof p === 'number' ? v - p : null;
    const better = change === null || change === 0 ? null : (change > 0) === (k.direction !== 'lower');
    li.querySelector('[data-role=value]').textContent = fmtValue(v, k.unit, true);
    const ch = li.querySelector('[data-role=change]');
    ch.className = 'tile-change ' + changeClass(better);
    ch.replaceChildren(el('span', { 'aria-hidden': 'true', text: arrow(change) + ' ' }),
      fmtChange(change, change !== null && p ? change / Math.abs(p) : null, k.unit),
      el('span', { class: 'muted', text: prev ? ` vs ${prev.label}` : '' }));
  });
}

function drawTrend(months) {
  const labels = months.map((m) => m.label);
  const series = (id, type, extra = {}) => ({ name: kpiInfo(id).name, type, data: months.map((m) => m.values[id] ?? null), ...extra });
  const c = chart($('trend-chart'));
  if (c) {
    c.setOption({
      color: palette,
      animation: false,
      legend: { top: 4, type: 'scroll' },
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', valueFormatter: (x) => fmtValue(x, 'currency') },
      xAxis: { type: 'category', data: labels },
      yAxis: { type: 'value', axisLabel: { formatter: (x) => fmtValue(x, 'currency', true) } },
      series: [
        series('pipeline_value', 'line', { showSymbol: false, areaStyle: { opacity: 0.08 } }),
        series('weighted_pipeline', 'line', { showSymbol: false }),
        series('pipeline_created', 'bar', { barMaxWidth: 18 }),
      ],
    }, { notMerge: true });
  }
  const cov = chart($('coverage-chart'));
  if (cov) {
    const k = kpiInfo('pipeline_coverage');
    cov.setOption({
      color: [palette[2]],
      animation: false,
      title: { text: k.name, left: 8, top: 4, textStyle: { fontSize: 13 } },
      grid: { left: 8, right: 28, top: 36, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', valueFormatter: (x) => fmtValue(x, k.unit) },
      xAxis: { type: 'category', data: labels },
      yAxis: { type: 'value', axisLabel: { formatter: (x) => fmtValue(x, k.unit) } },
      series: [{ ...series('pipeline_coverage', 'line'), markLine: { silent: true, symbol: 'none', data: [{ yAxis: 3 }], label: { formatter: '3×' }, lineStyle: { type: 'dashed', color: '#7f7f7f' } } }],
    }, { notMerge: true });
  }
  const table = $('trend-table');
  table.tHead.replaceChildren(el('tr', {}, el('th', { scope: 'col', text: 'Month' }),
    ...KPIS.map((id) => el('th', { scope: 'col', class: 'num', text: kpiInfo(id).name }))));
  const rows = [...months].reverse().map((m) => el('tr', { dataset: { period: m.label } },
    el('th', { scope: 'row', text: m.label }),
    ...KPIS.map((id) => el('td', { class: 'num', dataset: { kpi: id }, text: fmtValue(m.values[id] ?? null, kpiInfo(id).unit) }))));
  if (!rows.length) rows.push(el('tr', {}, el('td', { colspan: KPIS.length + 1, class: 'muted', text: 'No pipeline data for this selection.' })));
  table.tBodies[0].replaceChildren(...rows);
}

/** isExit reports whether a stage ends a deal without winning it (closed lost). */
const isExit = (stage) => /lost/i.test(stage);

function drawFunnel(stages) {
  // Lost stages are exits, not steps: left out of the chart and the step conversion.
  const steps = stages.filter((s) => !isExit(s.stage));
  const c = chart($('funnel-chart'));
  if (c) {
    c.setOption({
      color: palette,
      animation: false,
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (x) => `${fmtValue(x, 'count')} deals` },
      xAxis: { type: 'value', show: false },
      yAxis: { type: 'category', inverse: true, data: steps.map((s) => humanize(s.stage)), axisTick: { show: false } },
      series: [{
        type: 'bar', name: 'Deals entered', barMaxWidth: 28,
        data: steps.map((s, i) => ({ value: s.entered, itemStyle: { color: palette[i % palette.length] } })),
        label: { show: true, position: 'right', formatter: (p) => `${fmtValue(p.value, 'count')} · ${fmtValue(steps[p.dataIndex].amount, 'currency', true)}` },
      }],
    }, { notMerge: true });
  }
  let before = null;
  const rows = stages.map((s) => {
    const exit = isExit(s.stage);
    const conv = !exit && before ? s.entered / before : null;
    if (!exit) before = s.entered;
    return el('tr', { dataset: { stage: s.stage, exit: exit ? 'true' : null } },
      el('th', { scope: 'row', text: humanize(s.stage) + (exit ? ' (exit)' : '') }),
      el('td', { class: 'num', 'data-role': 'entered', text: fmtValue(s.entered, 'count') }),
      el('td', { class: 'num', 'data-role': 'amount', text: fmtValue(s.amount, 'currency') }),
      el('td', { class: 'num', 'data-role': 'conversion', text: fmtValue(conv, 'fraction') }));
  });
  if (!rows.length) rows.push(el('tr', {}, el('td', { colspan: 4, class: 'muted', text: 'No stage history in this range.' })));
  $('funnel-table').tBodies[0].replaceChildren(...rows);
}

async function load() {
  const mine = ++seq;
  const filter = { team: state.team, from: state.from, to: state.to };
  const [values, funnel] = await Promise.all([
    api('/values', { kpi: KPIS.join(','), period: 'month', ...filter }),
    api('/funnel', filter).catch((err) => {
      // The funnel is one panel of several: report it, draw the rest.
      showError(err);
      return { stages: [] };
    }),
  ]);
  if (mine !== seq) return;
  const months = byMonth(values.rows || []);
  if (values.notes?.length) setStatus(values.notes.join(' '));
  drawTiles(months);
  drawTrend(months);
  drawFunnel(funnel.stages || []);
}

async function refresh() {
  const [kpis, dims] = await Promise.all([api('/kpis'), Dimensions.load()]);
  catalog = kpis || [];
  fillSelect($('team'), dims.teamOptions(), 1, state.team);
  for (const k of Object.keys(defaults)) form.elements[k].value = state[k];
  setStatus('');
  await load();
}

form.addEventListener('change', () => {
  for (const k of Object.keys(defaults)) state[k] = form.elements[k].value;
  writeState(state, defaults, true);
  setStatus('');
  load().catch(showError);
});
form.addEventListener('submit', (e) => e.preventDefault());
window.addEventListener('popstate', () => {
  Object.assign(state, readState(defaults));
  for (const k of Object.keys(defaults)) form.elements[k].value = state[k];
  load().catch(showError);
});
refresh().catch(showError);
live(refresh);
