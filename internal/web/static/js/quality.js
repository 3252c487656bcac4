// Data quality: the CRM's accuracy (crm_data_accuracy, the share of records
// that break no data-quality rule) overall, by record type, rep or team and
// month by month, how many records break each rule, and the failing records
// themselves with a CSV export for clean-up. Every number is the API's.
// Data: /api/v1/dimensions,
//   /api/v1/quality?by=&record_type=&rep=&team=&from=&to=  → {from, to, by, overall:{records,passed,
//        failing,accuracy}, groups:[{group,name,records,passed,failing,accuracy}], trend:[{period,start,
//        end,records,passed,failing,accuracy}], rules:[{rule,record_type,severity,description,failing}]}
//        (asked without rule: a score counts every rule, and the rules table and the rule
//        select list every rule of the record-type filter)
//   /api/v1/quality/failures?rule=&record_type=&rep=&team=&from=&to=&limit=  → {from, to, total,
//        records, truncated, failures:[{record_type,record_id,rule,severity,description,rep,rep_name,
//        team,account,account_name,value,recorded_at}]}
//   The CSV link is the same list with format=csv and no limit: every failure matching the filters.
//
// URL query (shareable): record_type, rule, team, rep, from, to, by (record_type|rep|team;
// default record_type), limit (default 100; 0 = all).
//
// DOM hooks:
//   #record_type #rule #team #rep #from #to #by   the controls (form #controls; URL key names);
//                                 #rule lists the rules of the record-type filter, #rep the reps
//                                 of the chosen team
//   #range-label                  the dates the scores cover
//   #scores[data-state=loading|ready|empty|error][aria-busy]  the scores; [data-role=error] the message,
//                                 [data-role=empty] shown when no record is in the selection
//     #quality-tiles li[data-role=accuracy|records|failing|rules-broken] [data-role=value]
//     #group-chart #trend-chart   ECharts containers
//     #group-table tbody tr[data-group=<id or "">]: th (name), td[data-role=records|passed|failing|accuracy],
//                                 button[data-role=filter] (not for blank groups) sets the filter of
//                                 that record type, rep or team
//     #trend-table tbody tr[data-period=<YYYY-MM>]: td[data-role=records|failing|accuracy]
//     #rules-table tbody tr[data-rule=<id>][data-severity][aria-selected]: button[data-role=filter-rule]
//                                 (the rule id: lists its failing records), td[data-role=record-type|
//                                 severity|description|failing]
//   #failures[data-state=loading|ready|empty|error][aria-busy]  the failing records
//     a#csv-link[data-role=csv]   /api/v1/quality/failures?format=csv&<the filters>
//     #failures-count[data-role=count]  "Showing N of M failures (R records)"
//     #limit                      how many rows the table lists (50, 100, 500, 0 = all)
//     #failures-table tbody tr[data-record-type][data-record][data-rule]: td[data-role=record|rule|
//                                 severity|value|rep|team|account|recorded]; the rule cell holds
//                                 code[data-role=rule-id] and the description
//     #failures-more[hidden]      lists more rows (raises the limit)
//   table.stack-sm td[data-label]  the column's header, shown above the value on narrow screens
import {
  $, api, el, live, showError, setStatus, readState, writeState, fillSelect, Dimensions, keepFocus, labelCells,
  fmtValue, fmtDate, humanize, chart, query, NONE,
} from './common.js';

const defaults = { record_type: '', rule: '', team: '', rep: '', from: '', to: '', by: 'record_type', limit: '100' };
const state = readState(defaults);
const form = $('controls');
const scoresBox = $('scores');
const failuresBox = $('failures');

const TYPES = ['opportunity', 'lead', 'account', 'activity', 'stage_history'];
const TYPE_NAMES = { opportunity: 'Deal', lead: 'Lead', account: 'Account', activity: 'Activity', stage_history: 'Stage history' };
const BY_NAMES = { record_type: 'record type', rep: 'rep', team: 'team' };
const PAGE = 50; // "Show more" lists at least this many more rows, else as many as the limit

let dims = new Dimensions();
let scoresSeq = 0;
let failuresSeq = 0;
let shownScores = null; // the request the scores show, to tell a live refresh from a new selection
let shownFailures = null;

const accFmt = new Intl.NumberFormat(undefined, { minimumFractionDigits: 1, maximumFractionDigits: 2 });
const fmtAcc = (v) => (typeof v === 'number' ? `${accFmt.format(v * 100)}%` : NONE);
const fmtCount = (v) => fmtValue(v ?? null, 'count');
const typeName = (t) => TYPE_NAMES[t] || humanize(t);

/** filters are the record filters both endpoints take (rule only narrows the list). */
function filters() {
  return { record_type: state.record_type, rep: state.rep, team: state.team, from: state.from, to: state.to };
}

function step() {
  return Math.max(PAGE, limit());
}

function limit() {
  const n = Number.parseInt(state.limit, 10);
  return Number.isFinite(n) && n >= 0 ? n : Number(defaults.limit);
}


// ---- controls --------------------------------------------------------------------


function fillReps() {
  const teams = state.team ? dims.subtree(state.team) : null;
  const reps = dims.reps.filter((r) => !teams || teams.has(r.team))
    .sort((a, b) => (a.name || a.id).localeCompare(b.name || b.id))
    .map((r) => ({ value: r.id, label: r.name || r.id }));
  if (state.rep && !reps.some((r) => r.value === state.rep)) reps.push({ value: state.rep, label: dims.label('rep', state.rep) });
  fillSelect($('rep'), reps, 1, state.rep);
}

/** fillRules lists the rules of the scores' answer, by record type, keeping a rule from the URL. */
function fillRules(rules) {
  const groups = TYPES.map((t) => ({
    label: typeName(t),
    options: rules.filter((r) => r.record_type === t).sort((a, b) => a.rule.localeCompare(b.rule))
      .map((r) => ({ value: r.rule, label: `${r.rule} (${fmtCount(r.failing)})` })),
  })).filter((g) => g.options.length);
  if (state.rule && !rules.some((r) => r.rule === state.rule)) groups.push({ label: 'Other', options: [{ value: state.rule, label: state.rule }] });
  fillSelect($('rule'), groups, 1, state.rule);
}

function setControls() {
  fillSelect($('team'), dims.teamOptions(), 1, state.team);
  if (state.team && $('team').value !== state.team) $('team').append(el('option', { value: state.team, text: state.team }));
  fillReps();
  if (state.rule && ![...$('rule').options].some((o) => o.value === state.rule)) fillRules([]);
  for (const k of ['record_type', 'rule', 'team', 'rep', 'from', 'to', 'by']) form.elements[k].value = state[k];
  if (!form.elements.by.value) form.elements.by.value = defaults.by;
  const lim = String(limit());
  if (![...$('limit').options].some((o) => o.value === lim)) $('limit').append(el('option', { value: lim, text: `${lim} rows` }));
  $('limit').value = lim;
  drawCSVLink();
}

/** drawCSVLink points the export at the failures matching the filters, all of them. */
function drawCSVLink() {
  $('csv-link').href = `/api/v1/quality/failures${query({ format: 'csv', rule: state.rule, ...filters() })}`;
}

// ---- panels ------------------------------------------------------------------------

function setPanel(panel, s, message) {
  panel.dataset.state = s;
  for (const role of ['loading', 'error', 'empty']) {
    const n = panel.querySelector(`[data-role=${role}]`);
    if (n) n.hidden = s !== role;
  }
  if (s === 'error') panel.querySelector('[data-role=error]').textContent = message;
  panel.querySelector('[data-role=body]').hidden = s !== 'ready';
}

// ---- scores ------------------------------------------------------------------------

function groupLabel(by, g) {
  if (by === 'record_type') return typeName(g.group);
  if (g.group === null || g.group === undefined) return by === 'rep' ? '(no rep)' : '(no team)';
  return g.name || dims.label(by, g.group);
}

function drawTiles(res) {
  const tiles = $('quality-tiles');
  const set = (role, text) => { tiles.querySelector(`[data-role="${role}"] [data-role=value]`).textContent = text; };
  const o = res.overall;
  set('accuracy', fmtAcc(o.accuracy));
  set('records', fmtCount(o.records));
  set('failing', fmtCount(o.failing));
  const broken = res.rules.filter((r) => r.failing > 0).length;
  set('rules-broken', `${broken} of ${res.rules.length}`);
  tiles.querySelector('[data-role="rules-broken"] [data-role=detail]').textContent =
    state.record_type ? `rules of ${typeName(state.record_type).toLowerCase()} records` : 'rules with a failing record';
  $('range-label').textContent = res.from ? `(recorded ${fmtDate(res.from)} – ${fmtDate(res.to)})` : '';
}

/**
 * accuracyAxis fits an axis to accuracies, which crowd just below 100%: it
 * ends at 100% and starts a whole number of round steps below the lowest
 * value, so that small differences show and the ticks are round numbers.
 */
function accuracyAxis(values) {
  const lo = Math.min(1, ...values.filter((v) => typeof v === 'number'));
  const range = 1 - lo;
  const step = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.25].find((s) => range / s <= 5) || 0.25;
  const ticks = Math.max(1, Math.ceil(range / step - 1e-9));
  return { min: Math.max(0, 1 - ticks * step), max: 1, interval: step };
}

function drawGroupChart(res) {
  const box = $('group-chart');
  const c = chart(box);
  if (!c) return;
  const groups = [...res.groups].reverse(); // the first at the top
  box.style.height = `${Math.max(200, 26 * groups.length + 70)}px`;
  c.resize();
  c.setOption({
    animation: false,
    grid: { left: 8, right: 48, top: 16, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: fmtAcc },
    xAxis: { type: 'value', ...accuracyAxis(groups.map((g) => g.accuracy)), axisLabel: { formatter: (x) => fmtAcc(x) } },
    yAxis: { type: 'category', data: groups.map((g) => groupLabel(res.by, g)), axisLabel: { width: 140, overflow: 'truncate' } },
    series: [{
      name: 'Accuracy', type: 'bar', barMaxWidth: 22, color: '#1f4e8c',
      data: groups.map((g) => g.accuracy),
      label: { show: true, position: 'right', formatter: (p) => fmtAcc(p.value) },
    }],
  }, { notMerge: true });
}

function drawGroupTable(res) {
  const table = $('group-table');
  const by = res.by || state.by;
  table.tHead.replaceChildren(el('tr', {},
    el('th', { scope: 'col', text: humanize(BY_NAMES[by]) }),
    ...['Records', 'Passed', 'Failing', 'Accuracy'].map((h) => el('th', { scope: 'col', class: 'num', text: h })),
    el('th', { scope: 'col', text: 'Failing records' })));
  const rows = res.groups.map((g) => {
    const name = groupLabel(by, g);
    const canFilter = g.group !== null && g.group !== undefined && g.failing > 0;
    return el('tr', { dataset: { group: g.group ?? '' } },
      el('th', { scope: 'row', text: name }),
      el('td', { class: 'num', 'data-role': 'records', text: fmtCount(g.records) }),
      el('td', { class: 'num', 'data-role': 'passed', text: fmtCount(g.passed) }),
      el('td', { class: 'num', 'data-role': 'failing', text: fmtCount(g.failing) }),
      el('td', { class: 'num', 'data-role': 'accuracy', text: fmtAcc(g.accuracy) }),
      el('td', {}, canFilter
        ? el('button', { type: 'button', class: 'linkish', 'data-role': 'filter', 'aria-label': `List the failing records of ${name}`, text: 'List', on: { click: () => filterBy(by, g.group) } })
        : el('span', { class: 'muted', text: NONE })));
  });
  if (!rows.length) rows.push(el('tr', {}, el('td', { colspan: 6, class: 'muted', text: 'No records in this selection.' })));
  keepFocus(table, () => {
    table.tBodies[0].replaceChildren(...rows);
    labelCells(table);
  });
}

function drawTrend(res) {
  const c = chart($('trend-chart'));
  if (c) {
    c.setOption({
      animation: false,
      legend: { top: 4 },
      grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: res.trend.map((p) => p.period) },
      yAxis: [
        { type: 'value', name: 'accuracy', ...accuracyAxis(res.trend.map((p) => p.accuracy)), axisLabel: { formatter: (x) => fmtAcc(x) } },
        { type: 'value', name: 'failing', minInterval: 1, splitLine: { show: false } },
      ],
      series: [
        { name: 'Failing records', type: 'bar', yAxisIndex: 1, color: '#e69f00', barMaxWidth: 24, data: res.trend.map((p) => p.failing), tooltip: { valueFormatter: fmtCount } },
        { name: 'Accuracy', type: 'line', color: '#1f4e8c', symbolSize: 6, data: res.trend.map((p) => p.accuracy), tooltip: { valueFormatter: fmtAcc } },
      ],
    }, { notMerge: true });
  }
  const rows = res.trend.map((p) => el('tr', { dataset: { period: p.period } },
    el('th', { scope: 'row', text: p.period }),
    el('td', { class: 'num', 'data-role': 'records', text: fmtCount(p.records) }),
    el('td', { class: 'num', 'data-role': 'failing', text: fmtCount(p.failing) }),
    el('td', { class: 'num', 'data-role': 'accuracy', text: fmtAcc(p.accuracy) })));
  if (!rows.length) rows.push(el('tr', {}, el('td', { colspan: 4, class: 'muted', text: 'No dated records.' })));
  $('trend-table').tBodies[0].replaceChildren(...rows);
}

function drawRules(res) {
  const table = $('rules-table');
  const rows = res.rules.map((r) => el('tr', { dataset: { rule: r.rule, severity: r.severity }, 'aria-selected': r.rule === state.rule ? 'true' : 'false' },
    el('th', { scope: 'row' }, r.failing > 0
      ? el('button', { type: 'button', class: 'linkish rule-id', 'data-role': 'filter-rule', title: `List the records failing ${r.rule}`, text: r.rule, on: { click: () => filterBy('rule', r.rule) } })
      : el('code', { class: 'rule-id', text: r.rule })),
    el('td', { 'data-role': 'record-type', text: typeName(r.record_type) }),
    el('td', { 'data-role': 'severity' }, el('span', { class: 'severity-badge', dataset: { severity: r.severity }, text: humanize(r.severity) })),
    el('td', { class: 'wrap', 'data-role': 'description', text: r.description }),
    el('td', { class: 'num', 'data-role': 'failing', text: fmtCount(r.failing) })));
  if (!rows.length) rows.push(el('tr', {}, el('td', { colspan: 5, class: 'muted', text: 'No rules for this record type.' })));
  keepFocus(table, () => {
    table.tBodies[0].replaceChildren(...rows);
    labelCells(table);
  });
}

async function loadScores() {
  const mine = ++scoresSeq;
  const params = { by: state.by, ...filters() };
  const key = JSON.stringify(params);
  if (shownScores !== key || scoresBox.dataset.state === 'error') setPanel(scoresBox, 'loading');
  scoresBox.setAttribute('aria-busy', 'true');
  try {
    const res = await api('/quality', params);
    if (mine !== scoresSeq) return;
    shownScores = key;
    fillRules(res.rules || []);
    if (!res.overall || !res.overall.records) {
      drawTiles({ ...res, overall: res.overall || {}, rules: res.rules || [] });
      $('range-label').textContent = '';
      setPanel(scoresBox, 'empty');
      return;
    }
    $('groups-by').textContent = BY_NAMES[res.by] || res.by;
    // Charts are drawn into visible containers, so that they get their size.
    setPanel(scoresBox, 'ready');
    drawTiles(res);
    drawGroupTable(res);
    drawGroupChart(res);
    drawTrend(res);
    drawRules(res);
  } catch (err) {
    if (mine !== scoresSeq) return;
    console.error(err);
    shownScores = null;
    setPanel(scoresBox, 'error', `The scores could not be loaded: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    if (mine === scoresSeq) scoresBox.setAttribute('aria-busy', 'false');
  }
}

// ---- failing records ---------------------------------------------------------------------

function failureRow(f) {
  const team = f.team ? dims.label('team', f.team) : '';
  return el('tr', { dataset: { recordType: f.record_type, record: f.record_id, rule: f.rule } },
    el('td', { 'data-role': 'record' },
      el('span', { class: 'muted small', text: `${typeName(f.record_type)} ` }), el('code', { text: f.record_id })),
    el('td', { class: 'wrap', 'data-role': 'rule' },
      el('code', { class: 'rule-id', 'data-role': 'rule-id', text: f.rule }),
      el('span', { class: 'rule-description muted small', text: f.description })),
    el('td', { 'data-role': 'severity' }, el('span', { class: 'severity-badge', dataset: { severity: f.severity }, text: humanize(f.severity) })),
    el('td', { class: 'wrap dq-value', 'data-role': 'value', text: f.value || NONE }),
    el('td', { 'data-role': 'rep', title: f.rep || null, text: f.rep ? (f.rep_name || f.rep) : NONE }),
    el('td', { 'data-role': 'team', title: f.team || null, text: team || NONE }),
    el('td', { 'data-role': 'account', title: f.account || null, text: f.account ? (f.account_name || f.account) : NONE }),
    el('td', { 'data-role': 'recorded', text: f.recorded_at ? fmtDate(f.recorded_at.slice(0, 10)) : NONE }));
}

function drawFailures(res) {
  const table = $('failures-table');
  const list = res.failures || [];
  const what = `${fmtCount(res.total)} ${res.total === 1 ? 'failure' : 'failures'} (${fmtCount(res.records)} ${res.records === 1 ? 'record' : 'records'})`;
  $('failures-count').textContent = res.total === 0 ? '' : res.truncated ? `Showing ${fmtCount(list.length)} of ${what}.` : `${what}.`;
  keepFocus(table, () => {
    table.tBodies[0].replaceChildren(...list.map(failureRow));
    labelCells(table);
  });
  const more = $('failures-more');
  more.hidden = !res.truncated;
  const next = Math.min(step(), res.total - list.length);
  more.textContent = `Show ${fmtCount(next)} more`;
  setPanel(failuresBox, list.length ? 'ready' : 'empty');
}

async function loadFailures() {
  const mine = ++failuresSeq;
  const params = { rule: state.rule, ...filters(), limit: limit() };
  const key = JSON.stringify({ ...params, limit: 0 });
  drawCSVLink();
  if (shownFailures !== key || failuresBox.dataset.state === 'error') setPanel(failuresBox, 'loading');
  failuresBox.setAttribute('aria-busy', 'true');
  try {
    const res = await api('/quality/failures', params);
    if (mine !== failuresSeq) return;
    shownFailures = key;
    drawFailures(res);
  } catch (err) {
    if (mine !== failuresSeq) return;
    console.error(err);
    shownFailures = null;
    $('failures-count').textContent = '';
    setPanel(failuresBox, 'error', `The failing records could not be listed: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    if (mine === failuresSeq) failuresBox.setAttribute('aria-busy', 'false');
  }
}

// ---- loading and events ---------------------------------------------------------------------

function loadAll() {
  setStatus('');
  return Promise.all([loadScores(), loadFailures()]);
}

async function refresh() {
  dims = await Dimensions.load();
  setControls();
  await loadAll();
}

/** filterBy narrows the page to one record type, rep, team or rule and shows its failing records. */
function filterBy(kind, value) {
  state[kind] = value;
  // Keep the filters consistent: a rep outside the team, or a rule of another record type, would list nothing.
  if (kind === 'rep' && state.team && !dims.subtree(state.team).has(dims.repById.get(value)?.team)) state.team = '';
  if (kind === 'team' && state.rep && !dims.subtree(value).has(dims.repById.get(state.rep)?.team)) state.rep = '';
  if (kind === 'record_type' && state.rule && !state.rule.startsWith(ruleTypePrefix(value))) state.rule = '';
  writeState(state, defaults, true);
  setControls();
  const scores = kind === 'rule' ? Promise.resolve() : loadScores();
  Promise.all([scores, loadFailures()]).then(() => {
    failuresBox.scrollIntoView({ block: 'start' });
    $('failures-heading').focus({ preventScroll: true });
  }).catch(showError);
  // Keep the rules table's selection in step without waiting for the scores.
  for (const tr of $('rules-table').tBodies[0].rows) {
    if (tr.dataset.rule) tr.setAttribute('aria-selected', tr.dataset.rule === state.rule ? 'true' : 'false');
  }
}

/** ruleTypePrefix is the id prefix of a record type's rules (opp.…, lead.…). */
function ruleTypePrefix(type) {
  return (type === 'opportunity' ? 'opp' : type) + '.';
}

form.addEventListener('change', (e) => {
  const name = e.target.name;
  if (!(name in defaults)) return;
  state[name] = form.elements[name].value;
  if (name === 'team' && state.team && state.rep && !dims.subtree(state.team).has(dims.repById.get(state.rep)?.team)) state.rep = '';
  if (name === 'team') fillReps();
  if (name === 'record_type' && state.record_type && state.rule && !state.rule.startsWith(ruleTypePrefix(state.record_type))) state.rule = '';
  writeState(state, defaults, true);
  setControls();
  if (name === 'rule') {
    loadFailures().catch(showError);
    for (const tr of $('rules-table').tBodies[0].rows) {
      if (tr.dataset.rule) tr.setAttribute('aria-selected', tr.dataset.rule === state.rule ? 'true' : 'false');
    }
  } else if (name === 'by') {
    loadScores().catch(showError);
  } else {
    loadAll().catch(showError);
  }
});
form.addEventListener('submit', (e) => e.preventDefault());
$('limit').addEventListener('change', () => {
  state.limit = $('limit').value;
  writeState(state, defaults);
  loadFailures().catch(showError);
});
$('failures-more').addEventListener('click', () => {
  state.limit = String(limit() + step());
  writeState(state, defaults);
  setControls();
  loadFailures().catch(showError);
});
window.addEventListener('popstate', () => {
  Object.assign(state, readState(defaults));
  setControls();
  loadAll().catch(showError);
});

refresh().catch(showError);
live(refresh);
