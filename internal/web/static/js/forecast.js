// Forecast: won revenue for the coming months by each method (weighted
// pipeline; time series with 80% and 95% intervals) next to the forecast
// categories rolled up, each method's backtest with the recommended method,
// the pipeline waterfall of a window and stage analytics (time in stage,
// conversion, stuck deals).
// Data: /api/v1/dimensions,
//   /api/v1/forecast?months=&backtest=&scope=  → {months, forecasts:[{method,detail,points:[{period,value,lo80,hi80,lo95,hi95}]}],
//                                                categories:[{period,commit,best_case,pipeline}],
//                                                backtests:[{method,note,points:[{period,forecast,actual,error}],mape,bias}], recommended,
//                                                calls:[{scope,period,amount,note,submitted_at,submitted_by} | null per month]}
//   POST /api/v1/forecast/calls {scope,period,amount,note} (X-Salesops-User) → the call; 400 {error:{message}}
//   /api/v1/forecast/teams?backtest=            → {teams:[{team, backtests:[{method,mape,bias,note?}], recommended}]}
//                                                (only fetched for the whole organisation)
//   /api/v1/values?kpi=revenue&period=quarter    the last quarter with data: the default waterfall window
//   /api/v1/pipeline/waterfall?from=&to=&team=  → {start,created,pulled_in,won,lost,slipped_out:{deals,amount}, amount_change, end}
//   /api/v1/pipeline/stages?team=&at=           → {stages:[{stage,entered,reached_next,won,next_rate,win_rate,mean_days,median_days,p90_days}], stuck:[...]}
//
// URL query: scope (org, team:<id>, rep:<id>), months (1–12, default 3),
// backtest (0–24, default 6); team, from, to (waterfall window, default the
// last quarter with data; team and to also set the stage analytics' team and date).
//
// DOM hooks:
//   #scope #months #backtest              forecast controls (form #controls)
//   #team #from #to                       waterfall and stage controls (form #flow-controls)
//   #forecast-scope                       who the forecast is for
//   #forecast-chart #backtest-chart #waterfall-chart #stages-chart  ECharts containers
//   #forecast-table tbody tr[data-period=<YYYY-MM>]: td[data-role=value][data-method=<method>] (the forecast),
//                                         td[data-role=band80|band95][data-method] ("lo – hi"),
//                                         td[data-category=commit|best_case|pipeline],
//                                         td[data-role=call] (the manager's call, "—" when none; "by NAME" small)
//   #call-form: #call-period #call-amount #call-note #call-user #call-submit   submit a call for the current scope
//                                         (the name is kept in localStorage "salesops.forecast.user")
//   #call-result[data-outcome=pending|ok|invalid|error] #call-result-message  what became of the call
//   #team-backtests-section               hidden unless the scope is the whole organisation
//   #team-backtests tbody tr[data-team][data-method][data-recommended=true|false]: [data-role=recommended],
//                                         td[data-role=mape|bias|note]
//   #backtest-table tbody tr[data-method][data-recommended=true|false]: [data-role=recommended]
//                                         (the one recommended method's badge), td[data-role=mape|bias|months|note]
//   #backtest-points-table tbody tr[data-period]: td[data-role=actual], td[data-method][data-role=forecast|error]
//   #waterfall-range                      the window shown
//   #waterfall-table tbody tr[data-flow=start|created|pulled_in|won|lost|slipped_out|amount_change|end][data-sign=+|-|=]:
//                                         td[data-role=deals], td[data-role=amount][data-flow][data-amount=<raw API amount>]
//                                         (amounts as the API gives them, unsigned; data-sign says how they add up)
//   #stages-at                            the date the stage analytics are for
//   #stages-table tbody tr[data-stage]: td[data-role=entered|next_rate|win_rate|mean_days|median_days|p90_days]
//   #stuck-count                          how many deals are stuck
//   #stuck-table tbody tr[data-opportunity=<id>]: td[data-role=owner|stage|amount|days|p90_days], largest amount first
import {
  API, $, api, el, live, showError, setStatus, readState, writeState, fillSelect, Dimensions,
  fmtValue, fmtDate, dayBefore, humanize, chart, palette, NONE,
} from './common.js';

const defaults = { scope: 'org', months: '3', backtest: '6', team: '', from: '', to: '' };
const FORECAST_KEYS = ['scope', 'months', 'backtest'];
const FLOW_KEYS = ['team', 'from', 'to'];
const state = readState(defaults);
const form = $('controls');
const flowForm = $('flow-controls');

let dims = new Dimensions();
let fcSeq = 0;
let flowSeq = 0;
let teamSeq = 0;

const USER_KEY = 'salesops.forecast.user';
const callForm = $('call-form');

const CATEGORIES = [
  ['commit', 'Commit'],
  ['best_case', 'Best case (incl. commit)'],
  ['pipeline', 'Pipeline (all open)'],
];
const CATEGORY_SYMBOLS = { commit: 'triangle', best_case: 'diamond', pipeline: 'emptyCircle' };

// Waterfall lines in order; sign: how each adds up to the end ("=" for totals).
const FLOWS = [
  ['start', 'Start', '='],
  ['created', 'Created', '+'],
  ['pulled_in', 'Pulled in', '+'],
  ['won', 'Won', '-'],
  ['lost', 'Lost', '-'],
  ['slipped_out', 'Slipped out', '-'],
  ['amount_change', 'Amount change', '+'],
  ['end', 'End', '='],
];

const methodName = (m) => humanize(m);
const money = (x) => fmtValue(x, 'currency');
const num = (x) => (typeof x === 'number' && Number.isFinite(x) ? x : null);

/** clampInt reads an integer in [lo, hi], else def. */
function clampInt(v, lo, hi, def) {
  const n = Number.parseInt(String(v), 10);
  if (!Number.isFinite(n)) return def;
  return String(Math.min(hi, Math.max(lo, n)));
}

function normalise() {
  state.months = clampInt(state.months, 1, 12, defaults.months);
  state.backtest = clampInt(state.backtest, 0, 24, defaults.backtest);
}

/** signed formats a fraction with its sign: +13.6%, −2.0%. */
function signedFraction(x) {
  if (num(x) === null) return NONE;
  const s = x > 0 ? '+' : x < 0 ? '−' : '±';
  return s + fmtValue(Math.abs(x), 'fraction');
}

/** scopeLabel names a scope: Organisation, Team: West, Rep: Ann Lee. */
function scopeLabel(scope) {
  const [kind, id] = String(scope || 'org').split(':');
  if (kind === 'team') return `Team: ${dims.label('team', id)}`;
  if (kind === 'rep') return `Rep: ${dims.label('rep', id)}`;
  return 'Organisation';
}

/** richTooltip is an axis tooltip drawn on the canvas from plain-text lines (no HTML). */
function richTooltip(lines) {
  return {
    trigger: 'axis',
    renderMode: 'richText',
    formatter: (params) => {
      const i = Array.isArray(params) && params.length ? params[0].dataIndex : 0;
      return lines(i).filter(Boolean).join('\n');
    },
  };
}

// ---- controls -----------------------------------------------------------------

function fillControls() {
  const scopeSel = $('scope');
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
    // A scope the dimensions no longer list (or typed into the URL): keep it selectable.
    scopeSel.append(el('option', { value: state.scope, text: state.scope }));
    scopeSel.value = state.scope;
  }
  fillSelect($('team'), dims.teamOptions(), 1, state.team);
  if ($('team').value !== state.team) {
    $('team').append(el('option', { value: state.team, text: state.team }));
    $('team').value = state.team;
  }
  for (const k of FORECAST_KEYS) form.elements[k].value = state[k];
}

// ---- forecast -------------------------------------------------------------------

const bandsOf = (f) => f.points.some((p) => num(p.lo80) !== null || num(p.lo95) !== null);

function drawForecast(fc) {
  const months = fc.months || [];
  const methods = (fc.forecasts || []).map((f) => ({ ...f, points: f.points || [] }));
  const banded = methods.filter(bandsOf);
  const cats = new Map((fc.categories || []).map((c) => [c.period, c]));
  const point = (f, period) => f.points.find((p) => p.period === period) || {};
  const recommended = fc.recommended || '';
  const calls = new Map((fc.calls || []).filter(Boolean).map((c) => [c.period, c]));
  $('forecast-scope').textContent = `(${scopeLabel(state.scope)})`;

  const c = chart($('forecast-chart'));
  if (c) {
    const series = [];
    const legend = [];
    banded.forEach((f) => {
      const color = palette[methods.indexOf(f) % palette.length];
      for (const [lo, hi, label, opacity] of [['lo95', 'hi95', '95% interval', 0.12], ['lo80', 'hi80', '80% interval', 0.22]]) {
        const name = `${methodName(f.method)} ${label}`;
        const stack = `${f.method}-${lo}`;
        const los = months.map((m) => num(point(f, m)[lo]));
        const his = months.map((m) => num(point(f, m)[hi]));
        series.push({ type: 'line', stack, data: los, symbol: 'none', lineStyle: { opacity: 0 }, silent: true, z: 1 });
        series.push({
          name, type: 'line', stack, symbol: 'none', silent: true, z: 1,
          data: los.map((l, i) => (l === null || his[i] === null ? null : his[i] - l)),
          lineStyle: { opacity: 0 }, itemStyle: { color }, areaStyle: { color, opacity },
        });
        legend.push(name);
      }
    });
    methods.forEach((f, i) => {
      const name = methodName(f.method) + (f.method === recommended ? ' (recommended)' : '');
      series.push({
        name, type: 'line', z: 3, symbolSize: 7,
        data: months.map((m) => num(point(f, m).value)),
        itemStyle: { color: palette[i % palette.length] },
        lineStyle: { width: f.method === recommended ? 3 : 2 },
      });
      legend.push(name);
    });
    CATEGORIES.forEach(([id, label], i) => {
      series.push({
        name: label, type: 'scatter', z: 4, symbol: CATEGORY_SYMBOLS[id], symbolSize: 11,
        data: months.map((m) => num(cats.get(m)?.[id])),
        itemStyle: { color: palette[(methods.length + 2 + i) % palette.length] },
      });
      legend.push(label);
    });
    if (calls.size) {
      series.push({
        name: "Manager's call", type: 'scatter', z: 5, symbol: 'pin', symbolSize: 22,
        data: months.map((m) => num(calls.get(m)?.amount)),
        itemStyle: { color: palette[5] },
      });
      legend.push("Manager's call");
    }
    c.setOption({
      animation: false,
      legend: { top: 4, type: 'scroll', data: legend },
      grid: { left: 8, right: 16, top: 44, bottom: 8, containLabel: true },
      tooltip: richTooltip((i) => {
        const m = months[i];
        const lines = [m];
        for (const f of methods) {
          const p = point(f, m);
          lines.push(`${methodName(f.method)}: ${money(num(p.value))}`);
          if (num(p.lo80) !== null) lines.push(`  80%: ${money(p.lo80)} – ${money(p.hi80)}`);
          if (num(p.lo95) !== null) lines.push(`  95%: ${money(p.lo95)} – ${money(p.hi95)}`);
        }
        for (const [id, label] of CATEGORIES) lines.push(`${label}: ${money(num(cats.get(m)?.[id]))}`);
        const call = calls.get(m);
        if (call) lines.push(`Manager's call: ${money(num(call.amount))}${call.submitted_by ? ` by ${call.submitted_by}` : ''}`);
        return lines;
      }),
      xAxis: { type: 'category', data: months, boundaryGap: true },
      yAxis: { type: 'value', axisLabel: { formatter: (x) => fmtValue(x, 'currency', true) } },
      series,
    }, { notMerge: true });
  }

  const table = $('forecast-table');
  const head = [el('th', { scope: 'col', text: 'Month' })];
  for (const f of methods) {
    head.push(el('th', { scope: 'col', class: 'num', dataset: { method: f.method }, text: methodName(f.method) + (f.method === recommended ? ' (recommended)' : '') }));
  }
  for (const f of banded) {
    const prefix = banded.length > 1 ? methodName(f.method) + ' ' : '';
    head.push(el('th', { scope: 'col', class: 'num', text: prefix + '80% interval' }));
    head.push(el('th', { scope: 'col', class: 'num', text: prefix + '95% interval' }));
  }
  for (const [, label] of CATEGORIES) head.push(el('th', { scope: 'col', class: 'num', text: label }));
  head.push(el('th', { scope: 'col', class: 'num', text: "Manager's call" }));
  table.tHead.replaceChildren(el('tr', {}, ...head));
  const band = (p, lo, hi) => (num(p[lo]) === null ? NONE : `${money(p[lo])} – ${money(p[hi])}`);
  const rows = months.map((m) => el('tr', { dataset: { period: m } },
    el('th', { scope: 'row', text: m }),
    ...methods.map((f) => el('td', { class: 'num', 'data-role': 'value', dataset: { method: f.method }, text: money(num(point(f, m).value)) })),
    ...banded.flatMap((f) => [
      el('td', { class: 'num', 'data-role': 'band80', dataset: { method: f.method }, text: band(point(f, m), 'lo80', 'hi80') }),
      el('td', { class: 'num', 'data-role': 'band95', dataset: { method: f.method }, text: band(point(f, m), 'lo95', 'hi95') }),
    ]),
    ...CATEGORIES.map(([id]) => el('td', { class: 'num', dataset: { category: id }, text: money(num(cats.get(m)?.[id])) })),
    callCell(calls.get(m))));
  if (!rows.length) rows.push(el('tr', {}, el('td', { colspan: head.length, class: 'muted', text: 'No forecast for this selection.' })));
  table.tBodies[0].replaceChildren(...rows);
}

/** callCell shows a manager's call: the amount, who made it and the note (title). */
function callCell(call) {
  if (!call) return el('td', { class: 'num', 'data-role': 'call', text: NONE });
  return el('td', { class: 'num', 'data-role': 'call', title: call.note || null },
    money(num(call.amount)),
    call.submitted_by ? el('br') : null,
    call.submitted_by ? el('span', { class: 'muted small', text: `by ${call.submitted_by}` }) : null);
}

/** fillCallMonths offers the forecast months in the call form, keeping the one picked. */
function fillCallMonths(months) {
  const sel = $('call-period');
  const keep = sel.value;
  sel.replaceChildren(...months.map((m) => el('option', { value: m, text: m })));
  if (months.includes(keep)) sel.value = keep;
  $('call-scope').textContent = scopeLabel(state.scope);
  $('call-submit').disabled = !months.length;
}

function showCallResult(outcome, message) {
  $('call-result').dataset.outcome = outcome;
  $('call-result-message').textContent = message;
}

async function submitCall() {
  const user = callForm.elements.user.value.trim();
  try {
    localStorage.setItem(USER_KEY, user);
  } catch {
    // storage may be off; the name is then only used this once
  }
  if (/[^\x20-\x7e\xa0-\xff]/.test(user)) {
    showCallResult('invalid', 'Not submitted: your name can only use Latin letters, digits and punctuation (it is sent as an HTTP header).');
    callForm.elements.user.focus();
    return;
  }
  const amountText = callForm.elements.amount.value;
  const amount = Number(amountText);
  if (amountText === '' || !Number.isFinite(amount)) {
    showCallResult('invalid', 'Not submitted: enter the amount you call for the month.');
    callForm.elements.amount.focus();
    return;
  }
  const call = { scope: state.scope, period: callForm.elements.period.value, amount, note: callForm.elements.note.value.trim() };
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (user) headers['X-Salesops-User'] = user;
  const button = $('call-submit');
  button.disabled = true;
  showCallResult('pending', 'Submitting…');
  try {
    let res;
    try {
      res = await fetch(API + '/forecast/calls', { method: 'POST', headers, body: JSON.stringify(call) });
    } catch {
      showCallResult('error', 'Not submitted: the server could not be reached.');
      return;
    }
    let body = null;
    try {
      body = await res.json();
    } catch {
      body = null;
    }
    if (res.ok) {
      showCallResult('ok', `Call of ${money(amount)} for ${call.period} submitted.`);
      await loadForecast().catch(showError);
      return;
    }
    const msg = body?.error?.message || `request failed (HTTP ${res.status})`;
    showCallResult(res.status === 400 ? 'invalid' : 'error', `Not submitted: ${msg}`);
  } finally {
    button.disabled = false;
  }
}

// ---- backtests by team -------------------------------------------------------------

async function loadTeamBacktests() {
  const mine = ++teamSeq;
  const section = $('team-backtests-section');
  const body = $('team-backtests').tBodies[0];
  if (state.scope !== 'org') {
    section.hidden = true;
    body.replaceChildren();
    return;
  }
  section.hidden = false;
  if (state.backtest === '0') {
    body.replaceChildren(el('tr', {}, el('td', { colspan: 5, class: 'muted', text: 'No backtest: set backtest months above 0.' })));
    return;
  }
  const res = await api('/forecast/teams', { backtest: state.backtest });
  if (mine !== teamSeq) return;
  const teams = [...(res?.teams || [])].sort((a, b) => dims.label('team', a.team).localeCompare(dims.label('team', b.team)));
  const rows = teams.flatMap((t) => (t.backtests || []).map((b, i) => {
    const rec = b.method === t.recommended;
    return el('tr', { dataset: { team: t.team, method: b.method, recommended: rec ? 'true' : 'false' }, class: i === 0 ? 'group-start' : null },
      el('th', { scope: 'row', text: dims.label('team', t.team) }),
      el('td', {},
        methodName(b.method),
        rec ? el('span', { class: 'recommended-badge', 'data-role': 'recommended', text: 'Recommended' }) : null),
      el('td', { class: 'num', 'data-role': 'mape', text: fmtValue(num(b.mape), 'fraction') }),
      el('td', { class: 'num', 'data-role': 'bias', text: signedFraction(b.bias) }),
      el('td', { class: 'wrap', 'data-role': 'note', text: b.note || '' }));
  }));
  if (!rows.length) rows.push(el('tr', {}, el('td', { colspan: 5, class: 'muted', text: 'No team below the organisation.' })));
  body.replaceChildren(...rows);
}

function drawBacktests(fc) {
  const backtests = (fc.backtests || []).map((b) => ({ ...b, points: b.points || [] }));
  const details = new Map((fc.forecasts || []).map((f) => [f.method, f.detail || '']));
  const recommended = fc.recommended || '';

  const rows = backtests.map((b) => {
    const rec = b.method === recommended;
    return el('tr', { dataset: { method: b.method, recommended: rec ? 'true' : 'false' } },
      el('th', { scope: 'row' },
        methodName(b.method),
        rec ? el('span', { class: 'recommended-badge', 'data-role': 'recommended', text: 'Recommended' }) : null,
        details.get(b.method) ? el('br') : null,
        details.get(b.method) ? el('span', { class: 'muted small', text: details.get(b.method) }) : null),
      el('td', { class: 'num', 'data-role': 'mape', text: fmtValue(num(b.mape), 'fraction') }),
      el('td', { class: 'num', 'data-role': 'bias', text: signedFraction(b.bias) }),
      el('td', { class: 'num', 'data-role': 'months', text: fmtValue(b.points.length, 'count') }),
      el('td', { class: 'wrap', 'data-role': 'note', text: b.note || '' }));
  });
  if (!rows.length) rows.push(el('tr', {}, el('td', { colspan: 5, class: 'muted', text: 'No backtest: set backtest months above 0.' })));
  $('backtest-table').tBodies[0].replaceChildren(...rows);

  // Forecast against actual per past month, for the methods that were backtested.
  const tested = backtests.filter((b) => b.points.length);
  const periods = [...new Set(tested.flatMap((b) => b.points.map((p) => p.period)))].sort();
  const at = (b, period) => b.points.find((p) => p.period === period) || {};
  const actual = (period) => {
    for (const b of tested) {
      const p = at(b, period);
      if (num(p.actual) !== null) return p.actual;
    }
    return null;
  };
  const c = chart($('backtest-chart'));
  if (c) {
    c.setOption({
      animation: false,
      legend: { top: 4, type: 'scroll' },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      tooltip: richTooltip((i) => {
        const m = periods[i];
        return [m, `Actual: ${money(actual(m))}`, ...tested.map((b) => `${methodName(b.method)}: ${money(num(at(b, m).forecast))}`)];
      }),
      xAxis: { type: 'category', data: periods },
      yAxis: { type: 'value', axisLabel: { formatter: (x) => fmtValue(x, 'currency', true) } },
      series: [
        { name: 'Actual', type: 'bar', barMaxWidth: 24, data: periods.map(actual), itemStyle: { color: '#9aa3af' } },
        ...tested.map((b) => ({
          name: `${methodName(b.method)} forecast`, type: 'line', symbolSize: 7,
          data: periods.map((m) => num(at(b, m).forecast)),
          itemStyle: { color: palette[Math.max(0, (fc.forecasts || []).findIndex((f) => f.method === b.method)) % palette.length] },
        })),
      ],
    }, { notMerge: true });
  }
  const table = $('backtest-points-table');
  table.tHead.replaceChildren(el('tr', {},
    el('th', { scope: 'col', text: 'Month' }),
    el('th', { scope: 'col', class: 'num', text: 'Actual' }),
    ...tested.flatMap((b) => [
      el('th', { scope: 'col', class: 'num', text: `${methodName(b.method)} forecast` }),
      el('th', { scope: 'col', class: 'num', text: `${methodName(b.method)} error` }),
    ])));
  const prows = [...periods].reverse().map((m) => el('tr', { dataset: { period: m } },
    el('th', { scope: 'row', text: m }),
    el('td', { class: 'num', 'data-role': 'actual', text: money(actual(m)) }),
    ...tested.flatMap((b) => {
      const p = at(b, m);
      const err = num(p.error);
      return [
        el('td', { class: 'num', 'data-role': 'forecast', dataset: { method: b.method }, text: money(num(p.forecast)) }),
        el('td', { class: 'num', 'data-role': 'error', dataset: { method: b.method }, text: err === null ? NONE : (err > 0 ? '+' : err < 0 ? '−' : '') + money(Math.abs(err)) }),
      ];
    })));
  if (!prows.length) prows.push(el('tr', {}, el('td', { colspan: 2 + 2 * tested.length, class: 'muted', text: 'No method was backtested for this selection.' })));
  table.tBodies[0].replaceChildren(...prows);
}

async function loadForecast() {
  const mine = ++fcSeq;
  const fc = await api('/forecast', { scope: state.scope, months: state.months, backtest: state.backtest });
  if (mine !== fcSeq) return;
  drawForecast(fc || {});
  drawBacktests(fc || {});
  fillCallMonths((fc && fc.months) || []);
}

// ---- waterfall --------------------------------------------------------------------

/** defaultRange is the last quarter with revenue data: {from, to} (inclusive ISO dates), or null. */
async function defaultRange() {
  const v = await api('/values', { kpi: 'revenue', period: 'quarter' });
  const rows = (v.rows || []).filter((r) => r.start && r.end).sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const last = rows[rows.length - 1];
  return last ? { from: last.start, to: dayBefore(last.end) } : null;
}

/** waterfallBars turns the flows into [{id, label, lo, hi, kind}] from start to end. */
function waterfallBars(wf) {
  let running = 0;
  return FLOWS.map(([id, label, sign]) => {
    const amount = id === 'amount_change' ? num(wf.amount_change) ?? 0 : num(wf[id]?.amount) ?? 0;
    if (sign === '=') {
      running = amount;
      return { id, label, lo: Math.min(0, amount), hi: Math.max(0, amount), kind: 'total', amount };
    }
    const before = running;
    running += sign === '-' ? -amount : amount;
    const delta = running - before;
    return { id, label, lo: Math.min(before, running), hi: Math.max(before, running), kind: delta < 0 ? 'down' : 'up', amount };
  });
}

function drawWaterfall(wf, range) {
  $('waterfall-range').textContent = range ? `(${fmtDate(range.from)} – ${fmtDate(range.to)})` : '';
  const bars = waterfallBars(wf);
  const colors = { total: palette[0], up: palette[2], down: palette[5] };
  const c = chart($('waterfall-chart'));
  if (c) {
    // Stacked bars on an invisible base; a bar that crosses zero is split in a
    // positive and a negative part on a zero base.
    const base = bars.map((b) => (b.lo >= 0 ? b.lo : b.hi <= 0 ? b.hi : 0));
    const up = bars.map((b) => ({ value: b.lo >= 0 ? b.hi - b.lo : b.hi <= 0 ? 0 : b.hi, itemStyle: { color: colors[b.kind] } }));
    const down = bars.map((b) => ({ value: b.lo >= 0 ? 0 : b.hi <= 0 ? b.lo - b.hi : b.lo, itemStyle: { color: colors[b.kind] } }));
    const narrow = $('waterfall-chart').clientWidth < 560;
    const signed = (b) => (b.kind === 'total' ? '' : b.kind === 'down' ? '−' : '+');
    c.setOption({
      animation: false,
      grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
      tooltip: {
        ...richTooltip((i) => {
          const b = bars[i];
          const deals = b.id === 'amount_change' ? null : wf[b.id]?.deals;
          return [b.label, `${signed(b)}${money(Math.abs(b.amount))}`, deals === null || deals === undefined ? '' : `${fmtValue(deals, 'count')} deals`];
        }),
        axisPointer: { type: 'shadow' },
      },
      xAxis: { type: 'category', data: bars.map((b) => b.label), axisLabel: { interval: 0, rotate: narrow ? 40 : 0 } },
      yAxis: { type: 'value', axisLabel: { formatter: (x) => fmtValue(x, 'currency', true) } },
      series: [
        { type: 'bar', stack: 'w', silent: true, data: base, itemStyle: { color: 'transparent' }, emphasis: { disabled: true } },
        {
          name: 'Amount', type: 'bar', stack: 'w', barMaxWidth: 56, data: up,
          label: { show: !narrow, position: 'top', formatter: (p) => `${signed(bars[p.dataIndex])}${fmtValue(Math.abs(bars[p.dataIndex].amount), 'currency', true)}` },
        },
        { name: 'Amount', type: 'bar', stack: 'w', barMaxWidth: 56, data: down },
      ],
    }, { notMerge: true });
  }
  const rows = FLOWS.map(([id, label, sign]) => {
    const amount = id === 'amount_change' ? num(wf.amount_change) : num(wf[id]?.amount);
    const deals = id === 'amount_change' ? null : num(wf[id]?.deals);
    let text = money(amount);
    if (amount !== null && sign !== '=') {
      const neg = sign === '-' ? amount > 0 : amount < 0;
      text = (amount === 0 ? '' : neg ? '−' : '+') + money(Math.abs(amount));
    }
    return el('tr', { dataset: { flow: id, sign, kind: sign === '=' ? 'total' : null } },
      el('th', { scope: 'row', text: label }),
      el('td', { class: 'num', 'data-role': 'deals', text: deals === null ? NONE : fmtValue(deals, 'count') }),
      el('td', { class: 'num', 'data-role': 'amount', dataset: { flow: id, amount: amount === null ? null : String(amount) }, text }));
  });
  $('waterfall-table').tBodies[0].replaceChildren(...rows);
}

// ---- stages -------------------------------------------------------------------------

function drawStages(st, at) {
  const stages = st.stages || [];
  $('stages-at').textContent = at ? `(as of ${fmtDate(at)})` : "(as of the data's last day)";
  const c = chart($('stages-chart'));
  if (c) {
    c.setOption({
      animation: false,
      legend: { top: 4 },
      grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (x) => fmtValue(x, 'days') },
      xAxis: { type: 'value', axisLabel: { formatter: (x) => `${x} d` } },
      yAxis: { type: 'category', inverse: true, data: stages.map((s) => humanize(s.stage)), axisTick: { show: false } },
      series: [
        { name: 'Median days', type: 'bar', barMaxWidth: 22, data: stages.map((s) => num(s.median_days)), itemStyle: { color: palette[0] } },
        { name: '90th percentile', type: 'scatter', symbol: 'rect', symbolSize: [4, 22], data: stages.map((s) => num(s.p90_days)), itemStyle: { color: palette[5] } },
      ],
    }, { notMerge: true });
  }
  const rows = stages.map((s) => el('tr', { dataset: { stage: s.stage } },
    el('th', { scope: 'row', text: humanize(s.stage) }),
    el('td', { class: 'num', 'data-role': 'entered', text: fmtValue(num(s.entered), 'count') }),
    el('td', { class: 'num', 'data-role': 'next_rate', text: fmtValue(num(s.next_rate), 'fraction') }),
    el('td', { class: 'num', 'data-role': 'win_rate', text: fmtValue(num(s.win_rate), 'fraction') }),
    el('td', { class: 'num', 'data-role': 'mean_days', text: fmtValue(num(s.mean_days), 'days') }),
    el('td', { class: 'num', 'data-role': 'median_days', text: fmtValue(num(s.median_days), 'days') }),
    el('td', { class: 'num', 'data-role': 'p90_days', text: fmtValue(num(s.p90_days), 'days') })));
  if (!rows.length) rows.push(el('tr', {}, el('td', { colspan: 7, class: 'muted', text: 'No stage history for this selection.' })));
  $('stages-table').tBodies[0].replaceChildren(...rows);

  const stuck = [...(st.stuck || [])].sort((a, b) => (num(b.amount) ?? 0) - (num(a.amount) ?? 0));
  $('stuck-count').textContent = `(${fmtValue(stuck.length, 'count')})`;
  const srows = stuck.map((d) => el('tr', { dataset: { opportunity: d.opportunity_id } },
    el('th', { scope: 'row' }, d.name || d.opportunity_id, el('br'), el('span', { class: 'muted small', text: d.opportunity_id })),
    el('td', { 'data-role': 'owner', text: dims.label('rep', d.owner) }),
    el('td', { 'data-role': 'stage', text: humanize(d.stage) }),
    el('td', { class: 'num', 'data-role': 'amount', text: money(num(d.amount)) }),
    el('td', { class: 'num', 'data-role': 'days', text: fmtValue(num(d.days), 'days') }),
    el('td', { class: 'num', 'data-role': 'p90_days', text: fmtValue(num(d.p90_days), 'days') })));
  if (!srows.length) srows.push(el('tr', {}, el('td', { colspan: 6, class: 'muted', text: 'No deal is stuck.' })));
  $('stuck-table').tBodies[0].replaceChildren(...srows);
}

async function loadFlow() {
  const mine = ++flowSeq;
  let range = { from: state.from, to: state.to };
  if (!range.from || !range.to) {
    const def = await defaultRange();
    if (mine !== flowSeq) return;
    range = { from: range.from || def?.from || '', to: range.to || def?.to || '' };
  }
  flowForm.elements.from.value = range.from;
  flowForm.elements.to.value = range.to;
  const team = state.team;
  const waterfall = range.from && range.to
    ? (range.from > range.to
      ? Promise.reject(new Error('The window ends before it starts: pick a "to" date after "from".'))
      : api('/pipeline/waterfall', { from: range.from, to: range.to, team }))
    : Promise.resolve(null);
  // The stage analytics follow an explicit "to" date, else the data's last day.
  const at = state.to || '';
  const [wf, st] = await Promise.all([
    waterfall.catch((err) => {
      showError(err);
      return null;
    }),
    api('/pipeline/stages', { team, at }).catch((err) => {
      showError(err);
      return { stages: [], stuck: [] };
    }),
  ]);
  if (mine !== flowSeq) return;
  drawWaterfall(wf || {}, wf ? range : null);
  drawStages(st || {}, at);
}

// ---- wiring --------------------------------------------------------------------------

async function refresh() {
  dims = await Dimensions.load();
  normalise();
  fillControls();
  setStatus('');
  await Promise.all([
    loadForecast().catch(showError),
    loadTeamBacktests().catch(showError),
    loadFlow().catch(showError),
  ]);
}

form.addEventListener('change', () => {
  for (const k of FORECAST_KEYS) state[k] = form.elements[k].value;
  normalise();
  for (const k of FORECAST_KEYS) form.elements[k].value = state[k];
  writeState(state, defaults, true);
  setStatus('');
  loadForecast().catch(showError);
  loadTeamBacktests().catch(showError);
});
flowForm.addEventListener('change', (e) => {
  // Only the control that changed: a blank from/to keeps following the data.
  const k = e.target?.name;
  if (!FLOW_KEYS.includes(k)) return;
  state[k] = flowForm.elements[k].value;
  writeState(state, defaults, true);
  setStatus('');
  loadFlow().catch(showError);
});
form.addEventListener('submit', (e) => e.preventDefault());
flowForm.addEventListener('submit', (e) => e.preventDefault());
window.addEventListener('popstate', () => {
  Object.assign(state, readState(defaults));
  normalise();
  for (const k of FORECAST_KEYS) form.elements[k].value = state[k];
  flowForm.elements.team.value = state.team;
  setStatus('');
  loadForecast().catch(showError);
  loadTeamBacktests().catch(showError);
  loadFlow().catch(showError);
});
callForm.addEventListener('submit', (e) => {
  e.preventDefault();
  submitCall();
});
try {
  callForm.elements.user.value = localStorage.getItem(USER_KEY) || '';
} catch {
  // storage may be off
}
refresh().catch(showError);
live(refresh);
