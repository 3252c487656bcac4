// Coaching: the manager's view of a team (every rep with their strengths,
// weaknesses, top focus area and win rate against the team median) and a
// rep's coaching scorecard (every KPI beside the peers' median with the rep's
// percentile, a verdict with its reason and p-value, the trend, and the focus
// areas with the numbers that triggered them). Every number and verdict is the
// API's; this page only lays them out.
// Data: /api/v1/dimensions, /api/v1/kpis (names of the KPIs the team view lists by id),
//   /api/v1/coach?team=&peers=&from=&to=  → {team:{id,name}, peers, period, previous,
//        reps:[{rep:{id,name,team,role}, partial, peers, summary:{strengths,weaknesses,typical,
//        not_enough_data,no_data}, strengths:[id], weaknesses:[id], top_focus:{area,title,message,...},
//        focus_areas, win_rate, win_rate_team_median}], notes, rules}
//   /api/v1/coach/{rep}?peers=&from=&to=  → {rep, peers:{group,team,role,reps}, period, previous,
//        partial, summary, kpis:[{id,name,category,unit,direction,kind,value,team_median,percentile,
//        peers,verdict,reason,test:{method,p_value,...},trend:{previous,change,change_ratio,direction,
//        significant,p_value}}], strengths, weaknesses, focus:[{area,title,rule,message,advice,
//        evidence:[{kpi,name,unit,value,team_median,percentile,verdict}]}], notes, rules}
//   A 404 (unknown rep or team, no data) or 400 is shown in the panel it concerns.
//
// URL query (shareable): team, rep, peers (team|org, default team), from, to (inclusive dates;
// blank: the last full quarter), show ("judged": only strengths and weaknesses in the KPI table).
//
// DOM hooks:
//   #team #rep #peers #from #to   the controls (form #controls; same names as the URL keys);
//                                 #rep lists the reps of the chosen team and its sub-teams
//                                 (every rep when no team is chosen)
//   #range-quarter #range-year    set the range to the last full quarter / the four quarters
//                                 ending with it
//   #coach-period[data-role=period]  the period coached and the one the trend compares with
//   #coach-empty[hidden]          shown while neither a team nor a rep is chosen
//   #team-view[hidden][data-state=loading|ready|empty|error][aria-busy][data-team]
//                                 the manager's view; [data-role=error] holds the API's message
//     #team-view-name             the team's name and the period
//     #team-table tbody tr[data-rep=<id>][data-role=rep][aria-selected]  one per rep, API order;
//                                 clicking the row or its th button[data-role=select-rep] opens
//                                 the rep's scorecard
//       td[data-role=role|strengths|weaknesses|not-enough-data|top-focus|win-rate|win-rate-median]
//                                 counts are plain numbers; strengths/weaknesses cells carry
//                                 title = the KPI names; top-focus holds [data-role=focus-title]
//                                 (with data-area) and [data-role=focus-message]; win-rate has
//                                 class change-good / change-bad when win rate is a strength /
//                                 weakness of the rep, else change-none
//     #team-notes li              the API's notes
//   #scorecard[hidden][data-state=loading|ready|error][aria-busy][data-rep]  the rep's scorecard
//     #scorecard-heading (focused when a rep is picked in the team view), #scorecard-name
//     #scorecard-about[data-role=about]  role, team and whom the rep is compared with
//     #scorecard-partial[hidden]  the rep was employed for part of the period
//     #verdict-summary li[data-verdict=<verdict>] [data-role=count]  the summary counts
//     #focus li.focus-item[data-area=<area>]: [data-role=title|rule|message|advice],
//                                 table tbody tr[data-kpi=<id>]: td[data-role=value|median|percentile|verdict]
//     #focus-empty[hidden]        "No focus area"
//     #show                       "" (every KPI) or "judged"
//     #kpi-table tbody tr.category-row[data-category]  one per category, catalog order
//     #kpi-table tbody tr[data-kpi=<id>][data-verdict=<verdict>][data-kind]  one per KPI
//       th a[data-role=explore]   /explore?kpi=&period=month&rep=&from=<previous start>&to=<period end>
//       td[data-role=value|median]  formatted values
//       td[data-role=percentile][data-value=<number or "">]  .pct-bar (role=img) and the number
//       td[data-role=verdict]: details > summary[title=<reason; p-value>] .verdict-badge[data-verdict],
//                                 [data-role=reason], [data-role=p-value] (when the test has one),
//                                 [data-role=test] (the test's numbers)
//       td[data-role=trend][data-direction=better|worse|unchanged|""]  arrow and change; class
//                                 change-good / change-bad / change-none; title: previous value
//     #scorecard-notes li         the API's notes and the thresholds of the rules
//   table.stack-sm td[data-label]  the column's header, shown above the value on narrow screens
import {
  $, api, el, live, showError, setStatus, readState, writeState, fillSelect, Dimensions, keepFocus, labelCells,
  fmtValue, fmtChange, fmtRange, arrow, humanize, dayBefore, NONE,
} from './common.js';

const defaults = { team: '', rep: '', peers: 'team', from: '', to: '', show: '' };
const state = readState(defaults);
const form = $('controls');
const teamView = $('team-view');
const scorecard = $('scorecard');

const VERDICTS = {
  strength: 'Strength', weakness: 'Weakness', typical: 'Typical', not_enough_data: 'Not enough data', no_data: 'No data',
};
const VERDICT_PLURAL = {
  strength: ['strength', 'strengths'], weakness: ['weakness', 'weaknesses'], typical: ['typical', 'typical'],
  not_enough_data: ['not enough data', 'not enough data'], no_data: ['no data', 'no data'],
};
const SUMMARY_KEYS = { strength: 'strengths', weakness: 'weaknesses', typical: 'typical', not_enough_data: 'not_enough_data', no_data: 'no_data' };
const ROLES = { ae: 'AE', sdr: 'SDR', manager: 'Manager', other: 'Other' };
const roleName = (r) => ROLES[r] || humanize(r || '');
const rolePlural = (r) => (ROLES[r] && r !== 'other' ? `${ROLES[r]}s` : 'reps');

let dims = new Dimensions();
let catalog = new Map(); // KPI id → {name, unit}
let teamSeq = 0;
let repSeq = 0;
let shownTeam = null; // the team/options the team view shows, to tell a live refresh from a new choice
let shownRep = null;
let lastQuarter = null; // {start, end} of the default period, once an answer told it

const kpiName = (id) => catalog.get(id)?.name || id;
const pct1 = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const options = () => ({ peers: state.peers === 'team' ? '' : state.peers, from: state.from, to: state.to });
const optionsKey = () => JSON.stringify(options());

/** fmtP formats a p-value as people read it. */
function fmtP(p) {
  if (typeof p !== 'number') return '';
  if (p < 0.001) return 'p < 0.001';
  return `p = ${p < 0.01 ? p.toFixed(3) : String(Number(p.toPrecision(2)))}`;
}


// ---- controls ----------------------------------------------------------------------


function repOption(r) {
  return { value: r.id, label: `${r.name || r.id} (${roleName(r.role)})` };
}

function fillReps() {
  const byName = (a, b) => (a.name || a.id).localeCompare(b.name || b.id);
  let items;
  if (state.team) {
    const teams = dims.subtree(state.team);
    items = dims.reps.filter((r) => teams.has(r.team)).sort(byName).map(repOption);
  } else {
    // Every rep, grouped by team in tree order.
    items = dims.teamOptions().map((t) => ({
      label: t.label.trim(), options: dims.reps.filter((r) => r.team === t.value).sort(byName).map(repOption),
    })).filter((g) => g.options.length);
    const placed = new Set(items.flatMap((g) => g.options.map((o) => o.value)));
    const rest = dims.reps.filter((r) => !placed.has(r.id)).sort(byName).map(repOption);
    if (rest.length) items.push({ label: 'Without a team', options: rest });
  }
  const listed = new Set(items.flatMap((it) => (it.options ? it.options.map((o) => o.value) : [it.value])));
  if (state.rep && !listed.has(state.rep)) {
    // A rep of another team (or an id the roster does not know) from the URL: keep it shown.
    const r = dims.repById.get(state.rep);
    items.push({ label: 'Elsewhere', options: [r ? repOption(r) : { value: state.rep, label: state.rep }] });
  }
  fillSelect($('rep'), items, 1, state.rep);
}

function setControls() {
  fillSelect($('team'), dims.teamOptions(), 1, state.team);
  if (state.team && $('team').value !== state.team) {
    $('team').append(el('option', { value: state.team, text: state.team }));
  }
  form.elements.team.value = state.team;
  fillReps();
  form.elements.rep.value = state.rep;
  form.elements.peers.value = state.peers === 'org' ? 'org' : 'team';
  form.elements.from.value = state.from;
  form.elements.to.value = state.to;
  $('show').value = state.show === 'judged' ? 'judged' : '';
}

// ---- panels ------------------------------------------------------------------------

/** setPanel shows one of a panel's states: loading, ready, empty or error. */
function setPanel(panel, s, message) {
  panel.dataset.state = s;
  for (const role of ['loading', 'error', 'empty']) {
    const n = panel.querySelector(`[data-role=${role}]`);
    if (n) n.hidden = s !== role;
  }
  if (s === 'error') panel.querySelector('[data-role=error]').textContent = message;
  const body = panel.querySelector('[data-role=table], [data-role=body]');
  if (body) body.hidden = s !== 'ready';
}

function showPeriod(res) {
  const p = res.period || {};
  const prev = res.previous || {};
  if (!state.from && !state.to && p.start) lastQuarter = { start: p.start, end: p.end };
  $('coach-period').textContent = p.label
    ? `${p.label} (${fmtRange(p)})${prev.label ? `; the trend compares with ${prev.label} (${fmtRange(prev)})` : ''}.`
    : '';
}

function verdictBadge(v) {
  return el('span', { class: 'verdict-badge', dataset: { verdict: v }, text: VERDICTS[v] || humanize(v) });
}

function percentileCell(p) {
  const td = el('td', { 'data-role': 'percentile', dataset: { value: typeof p === 'number' ? String(p) : '' } });
  if (typeof p !== 'number') {
    td.append(el('span', { class: 'muted', text: NONE }));
    return td;
  }
  const fill = el('span', { class: 'pct-fill' });
  fill.style.width = `${Math.max(0, Math.min(100, p))}%`;
  td.append(
    el('span', { class: 'pct-bar', role: 'img', 'aria-label': `Percentile ${pct1.format(p)} of 100` }, fill),
    el('span', { class: 'pct-num', 'aria-hidden': 'true', text: pct1.format(p) }));
  return td;
}

// ---- the team view -----------------------------------------------------------------------

function drawTeam(res) {
  const table = $('team-table');
  teamView.dataset.team = res.team.id;
  $('team-view-name').textContent = `— ${res.team.name || res.team.id}${res.period?.label ? `, ${res.period.label}` : ''}` +
    (res.peers === 'org' ? ', each against the whole organisation' : '');
  showPeriod(res);
  keepFocus(table, () => {
    const rows = (res.reps || []).map((h) => {
      const names = (ids) => (ids || []).map(kpiName).join(', ');
      const wr = (h.strengths || []).includes('win_rate') ? 'change-good' : (h.weaknesses || []).includes('win_rate') ? 'change-bad' : 'change-none';
      const focus = h.top_focus;
      return el('tr', {
        'data-role': 'rep', dataset: { rep: h.rep.id, drill: '' }, 'aria-selected': h.rep.id === state.rep ? 'true' : 'false',
        on: { click: (e) => { if (!e.target.closest('button')) selectRep(h.rep.id); } },
      },
      el('th', { scope: 'row' },
        el('button', { type: 'button', class: 'linkish', 'data-role': 'select-rep', text: h.rep.name || h.rep.id, on: { click: () => selectRep(h.rep.id) } }),
        h.partial ? el('span', { class: 'muted small', text: ' (part of the period)' }) : null),
      el('td', { 'data-role': 'role', text: roleName(h.rep.role) }),
      el('td', { class: 'num', 'data-role': 'strengths', title: names(h.strengths) || null, text: String(h.summary.strengths) }),
      el('td', { class: 'num', 'data-role': 'weaknesses', title: names(h.weaknesses) || null, text: String(h.summary.weaknesses) }),
      el('td', { class: 'num', 'data-role': 'not-enough-data', text: String(h.summary.not_enough_data) }),
      el('td', { class: 'wrap', 'data-role': 'top-focus' }, ...(focus
        ? [el('span', { class: 'focus-name', 'data-role': 'focus-title', dataset: { area: focus.area }, text: focus.title }),
          el('span', { class: 'focus-why muted small', 'data-role': 'focus-message', text: focus.message })]
        : [el('span', { class: 'muted', text: NONE })])),
      el('td', { class: `num ${wr}`, 'data-role': 'win-rate', text: fmtValue(h.win_rate, 'fraction') }),
      el('td', { class: 'num', 'data-role': 'win-rate-median', text: fmtValue(h.win_rate_team_median, 'fraction') }));
    });
    if (!rows.length) rows.push(el('tr', {}, el('td', { colspan: 8, class: 'muted', text: 'No rep of this team was employed in the period.' })));
    table.tBodies[0].replaceChildren(...rows);
    labelCells(table);
  });
  $('team-notes').replaceChildren(...(res.notes || []).map((n) => el('li', { text: n })));
  setPanel(teamView, (res.reps || []).length ? 'ready' : 'empty');
}

async function loadTeam() {
  const mine = ++teamSeq;
  if (!state.team) {
    teamView.hidden = true;
    shownTeam = null;
    return;
  }
  teamView.hidden = false;
  const key = state.team + optionsKey();
  if (shownTeam !== key || teamView.dataset.state === 'error') setPanel(teamView, 'loading');
  teamView.setAttribute('aria-busy', 'true');
  try {
    const res = await api('/coach', { team: state.team, ...options() });
    if (mine !== teamSeq) return;
    shownTeam = key;
    drawTeam(res);
  } catch (err) {
    if (mine !== teamSeq) return;
    console.error(err);
    shownTeam = null;
    $('team-view-name').textContent = `— ${dims.label('team', state.team)}`;
    setPanel(teamView, 'error', `The team view could not be loaded: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    if (mine === teamSeq) teamView.setAttribute('aria-busy', 'false');
  }
}

// ---- the rep's scorecard --------------------------------------------------------------

function exploreHref(kpi, res) {
  const q = new URLSearchParams({ kpi, period: 'month', rep: res.rep.id });
  if (res.previous?.start) q.set('from', res.previous.start);
  if (res.period?.end) q.set('to', dayBefore(res.period.end));
  return `/explore?${q}`;
}

/** testText describes the numbers of a verdict's test. */
function testText(k) {
  const t = k.test;
  if (!t) return '';
  const f = (v) => fmtValue(v, k.unit);
  if (t.method === 'two_proportion') {
    const parts = ['Two-proportion test'];
    if (typeof t.ci_low === 'number') parts.push(`the rep's 95% interval ${fmtValue(t.ci_low, 'fraction')} to ${fmtValue(t.ci_high, 'fraction')}`);
    if (typeof t.peer_rate === 'number') parts.push(`the other peers pooled ${fmtValue(t.peer_rate, 'fraction')}`);
    if (typeof t.z === 'number') parts.push(`z = ${t.z.toFixed(2)}`);
    return parts.join('; ');
  }
  if (t.method === 'prediction_interval') {
    const parts = ['Prediction interval from the other peers'];
    if (typeof t.low === 'number') parts.push(`${f(t.low)} to ${f(t.high)}`);
    if (typeof t.peer_mean === 'number') parts.push(`their mean ${f(t.peer_mean)}`);
    if (typeof t.support === 'number') parts.push(`${pct1.format(t.support)} record(s) behind the rep's value`);
    return parts.join('; ');
  }
  return humanize(t.method);
}

function verdictCell(k) {
  const p = k.test?.p_value;
  const title = [k.reason, fmtP(p)].filter(Boolean).join(' — ');
  const details = el('details', { class: 'verdict-details' },
    el('summary', { title: title || null }, verdictBadge(k.verdict)),
    el('div', { class: 'verdict-reason' },
      el('p', { 'data-role': 'reason', text: k.reason || '' }),
      typeof p === 'number' ? el('p', { 'data-role': 'p-value', text: fmtP(p) }) : null,
      k.test ? el('p', { class: 'muted', 'data-role': 'test', text: testText(k) }) : null));
  return el('td', { 'data-role': 'verdict' }, details);
}

function trendCell(k) {
  const t = k.trend || {};
  const dir = t.direction || '';
  const cls = dir === 'better' ? 'change-good' : dir === 'worse' ? 'change-bad' : 'change-none';
  const prevLabel = scorecard.dataset.previous || 'the previous period';
  const title = typeof t.previous === 'number'
    ? `${fmtValue(t.previous, k.unit)} in ${prevLabel}${dir ? `: ${dir}` : ''}` +
      (t.significant === true ? ` (significant, ${fmtP(t.p_value)})` : t.significant === false ? ` (within chance, ${fmtP(t.p_value)})` : '')
    : `No value in ${prevLabel}`;
  return el('td', { class: `num ${cls}`, 'data-role': 'trend', dataset: { direction: dir }, title },
    el('span', { 'aria-hidden': 'true', text: `${arrow(t.change)} ` }),
    fmtChange(t.change, t.change_ratio, k.unit));
}

function drawFocus(res) {
  const list = $('focus');
  const focus = res.focus || [];
  list.replaceChildren(...focus.map((f) => el('li', { class: 'focus-item', dataset: { area: f.area } },
    el('h4', { class: 'focus-title', 'data-role': 'title', text: f.title }),
    el('p', { class: 'focus-rule muted', 'data-role': 'rule', text: `Because ${f.rule}.` }),
    el('p', { 'data-role': 'message', text: f.message }),
    f.advice ? el('p', { class: 'focus-advice', 'data-role': 'advice', text: f.advice }) : null,
    el('div', { class: 'table-wrap' },
      el('table', { class: 'data evidence stack-sm' },
        el('caption', { text: `The numbers behind “${f.title}”` }),
        el('thead', {}, el('tr', {},
          el('th', { scope: 'col', text: 'KPI' }), el('th', { scope: 'col', class: 'num', text: 'Rep' }),
          el('th', { scope: 'col', class: 'num', text: 'Team median' }), el('th', { scope: 'col', text: 'Percentile' }),
          el('th', { scope: 'col', text: 'Verdict' }))),
        el('tbody', {}, ...(f.evidence || []).map((e) => el('tr', { dataset: { kpi: e.kpi } },
          el('th', { scope: 'row', text: e.name || kpiName(e.kpi) }),
          el('td', { class: 'num', 'data-role': 'value', text: fmtValue(e.value, e.unit) }),
          el('td', { class: 'num', 'data-role': 'median', text: fmtValue(e.team_median, e.unit) }),
          percentileCell(e.percentile),
          el('td', { 'data-role': 'verdict' }, verdictBadge(e.verdict))))))))));
  for (const t of list.querySelectorAll('table')) labelCells(t);
  $('focus-empty').hidden = focus.length > 0;
}

function drawKPIs(res) {
  const table = $('kpi-table');
  const judged = state.show === 'judged';
  const kpis = (res.kpis || []).filter((k) => !judged || k.verdict === 'strength' || k.verdict === 'weakness');
  const categories = [...new Set(kpis.map((k) => k.category))];
  const rows = [];
  for (const c of categories) {
    rows.push(el('tr', { class: 'category-row', dataset: { category: c } }, el('th', { colspan: 6, scope: 'colgroup', text: humanize(c) })));
    for (const k of kpis.filter((x) => x.category === c)) {
      rows.push(el('tr', { dataset: { kpi: k.id, verdict: k.verdict, kind: k.kind || '' } },
        el('th', { scope: 'row' }, el('a', { 'data-role': 'explore', href: exploreHref(k.id, res), title: `${k.name} for ${res.rep.name} in Explore`, text: k.name || k.id })),
        el('td', { class: 'num', 'data-role': 'value', text: fmtValue(k.value, k.unit) }),
        el('td', { class: 'num', 'data-role': 'median', text: fmtValue(k.team_median, k.unit) }),
        percentileCell(k.percentile),
        verdictCell(k),
        trendCell(k)));
    }
  }
  if (!rows.length) {
    rows.push(el('tr', {}, el('td', { colspan: 6, class: 'muted', text: judged ? 'No strength or weakness: every judged KPI is within what chance and the peers allow.' : 'No KPIs.' })));
  }
  keepFocus(table, () => {
    table.tBodies[0].replaceChildren(...rows);
    labelCells(table);
  });
}

let lastRep = null; // the last scorecard drawn, redrawn when "show" changes

function drawRep(res) {
  lastRep = res;
  showPeriod(res);
  scorecard.dataset.rep = res.rep.id;
  scorecard.dataset.previous = res.previous?.label || '';
  $('scorecard-name').textContent = `— ${res.rep.name || res.rep.id}`;
  const peers = res.peers || {};
  const others = Math.max(0, (peers.reps || []).length - 1);
  const group = peers.group === 'org'
    ? 'the whole organisation'
    : (res.rep.team_name || peers.team || 'the team');
  $('scorecard-about').textContent = [
    roleName(res.rep.role),
    res.rep.team_name || res.rep.team || '',
    `compared with ${others} other ${others === 1 ? (ROLES[peers.role] || 'rep') : rolePlural(peers.role)} of ${group}` +
      ` employed throughout ${res.period?.label || 'the period'}`,
  ].filter(Boolean).join(' · ');
  $('scorecard-partial').hidden = !res.partial;
  const s = res.summary || {};
  $('verdict-summary').replaceChildren(...Object.keys(VERDICTS).map((v) => {
    const n = s[SUMMARY_KEYS[v]] ?? 0;
    return el('li', { dataset: { verdict: v } },
      el('span', { class: 'verdict-badge', dataset: { verdict: v } },
        el('span', { 'data-role': 'count', text: String(n) }), ` ${VERDICT_PLURAL[v][n === 1 ? 0 : 1]}`));
  }));
  drawFocus(res);
  drawKPIs(res);
  const r = res.rules || {};
  const rules = typeof r.alpha === 'number'
    ? [`Verdicts: p < ${r.alpha} and a difference of at least ${pct1.format(r.min_effect * 100)}% of the peers' rate for rates (at least ${r.min_trials} in the denominator);` +
      ` outside the 95% prediction interval for other KPIs (at least ${r.min_records} records); at least ${r.min_peers} other peers.`]
    : [];
  $('scorecard-notes').replaceChildren(...[...(res.notes || []), ...rules].map((n) => el('li', { text: n })));
  setPanel(scorecard, 'ready');
  for (const tr of $('team-table').tBodies[0].rows) {
    if (tr.dataset.rep) tr.setAttribute('aria-selected', tr.dataset.rep === res.rep.id ? 'true' : 'false');
  }
}

async function loadRep() {
  const mine = ++repSeq;
  if (!state.rep) {
    scorecard.hidden = true;
    shownRep = null;
    lastRep = null;
    return;
  }
  scorecard.hidden = false;
  const key = state.rep + optionsKey();
  if (shownRep !== key || scorecard.dataset.state === 'error') {
    setPanel(scorecard, 'loading');
    $('scorecard-name').textContent = `— ${dims.label('rep', state.rep)}`;
    $('scorecard-about').textContent = '';
  }
  scorecard.setAttribute('aria-busy', 'true');
  try {
    const res = await api('/coach/' + encodeURIComponent(state.rep), options());
    if (mine !== repSeq) return;
    shownRep = key;
    drawRep(res);
  } catch (err) {
    if (mine !== repSeq) return;
    console.error(err);
    shownRep = null;
    lastRep = null;
    setPanel(scorecard, 'error', `The scorecard could not be loaded: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    if (mine === repSeq) scorecard.setAttribute('aria-busy', 'false');
  }
}

// ---- loading ---------------------------------------------------------------------------

function loadAll() {
  $('coach-empty').hidden = Boolean(state.team || state.rep);
  if (!state.team && !state.rep) $('coach-period').textContent = '';
  setStatus('');
  return Promise.all([loadTeam(), loadRep()]);
}

async function refresh() {
  const [d, kpis] = await Promise.all([Dimensions.load(), api('/kpis').catch(() => [])]);
  dims = d;
  catalog = new Map((kpis || []).map((k) => [k.id, k]));
  setControls();
  await loadAll();
}

function selectRep(id) {
  if (state.rep === id && scorecard.dataset.state === 'ready') {
    $('scorecard-heading').focus();
    return;
  }
  state.rep = id;
  writeState(state, defaults, true);
  fillReps();
  form.elements.rep.value = id;
  $('coach-empty').hidden = true;
  loadRep().then(() => {
    scorecard.scrollIntoView({ block: 'start' });
    $('scorecard-heading').focus({ preventScroll: true });
  }).catch(showError);
}

/** setRange sets from/to and reloads; the four quarters need the default quarter first. */
async function setRange(which) {
  if (which === 'quarter') {
    state.from = '';
    state.to = '';
  } else {
    if (!lastQuarter) {
      const res = state.rep
        ? await api('/coach/' + encodeURIComponent(state.rep), { peers: options().peers })
        : state.team ? await api('/coach', { team: state.team, peers: options().peers }) : null;
      if (!res) {
        setStatus('Choose a team or a rep first: the four quarters end with the last full quarter of their data.');
        return;
      }
      lastQuarter = { start: res.period.start, end: res.period.end };
    }
    const end = new Date(lastQuarter.end + 'T00:00:00Z');
    end.setUTCFullYear(end.getUTCFullYear() - 1);
    state.from = end.toISOString().slice(0, 10);
    state.to = dayBefore(lastQuarter.end);
  }
  form.elements.from.value = state.from;
  form.elements.to.value = state.to;
  writeState(state, defaults, true);
  await loadAll();
}

// ---- events -------------------------------------------------------------------------------

form.addEventListener('change', (e) => {
  const name = e.target.name;
  if (name === 'team') {
    state.team = form.elements.team.value;
    // A rep outside the new team leaves the view: the two are one manager's picture.
    if (state.team && state.rep && !dims.subtree(state.team).has(dims.repById.get(state.rep)?.team)) state.rep = '';
    fillReps();
  } else if (name === 'rep') {
    state.rep = form.elements.rep.value;
  } else if (name === 'peers') {
    state.peers = form.elements.peers.value;
  } else if (name === 'from' || name === 'to') {
    state[name] = form.elements[name].value;
  } else {
    return;
  }
  writeState(state, defaults, true);
  if (name === 'rep') {
    $('coach-empty').hidden = Boolean(state.team || state.rep);
    loadRep().catch(showError);
  } else {
    loadAll().catch(showError);
  }
});
form.addEventListener('submit', (e) => e.preventDefault());
$('range-quarter').addEventListener('click', () => setRange('quarter').catch(showError));
$('range-year').addEventListener('click', () => setRange('year').catch(showError));
$('show').addEventListener('change', () => {
  state.show = $('show').value;
  writeState(state, defaults);
  if (lastRep) drawKPIs(lastRep);
});
window.addEventListener('popstate', () => {
  Object.assign(state, readState(defaults));
  setControls();
  loadAll().catch(showError);
});

refresh().catch(showError);
live(refresh);
