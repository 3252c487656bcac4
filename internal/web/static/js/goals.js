// Goals: the alignment tree (objective → KPI → goal → team → rep) with each
// goal's state and numbers, the projection of the selected goal, the SMART
// check with the alignment findings, and a quota-attainment leaderboard.
// Data: /api/v1/kpis, /api/v1/dimensions,
//   /api/v1/goals?at=            → {at, objectives:[{id,name,kpis,description}], goals:[status], notes}
//   /api/v1/goals/{id}/projection → {target, cumulative, points:[{period,end,actual|null,expected}]}
//   /api/v1/goals/check          → {checks:[{goal, verdicts:[{letter,pass,reason}]}], alignment:[{kind,subject,message}]}
//   /api/v1/values?kpi=quota_attainment,revenue&by=rep&period=quarter
//
// URL query: at (status date, default now), goal (selected goal id; default
// the first goal of the tree).
//
// DOM hooks:
//   #at                                  the "status as of" date control
//   #goals-empty[hidden]                 shown when there are no goals (how to add some)
//   #goals-body[hidden]                  the tree and the projection; hidden when there are no goals
//   #goals-at                            the date the states are for
//   #goal-tree li[data-objective=<id>]   objective node ("" for goals without one)
//     li[data-kpi=<id>]                  KPI node below it
//       li.goal-node[data-goal=<id>][data-state=<state>]  goal node; child goals (cascades) nest
//                                        in its ul.goal-children
//         button[data-role=select][aria-pressed]  selects the goal (projection)
//         [data-role=state][data-state]  the state as text: On track, At risk, Off track,
//                                        Not started, Achieved, Missed
//         [data-role=attainment|target|actual|projected]  numbers in the KPI's unit
//   #goal-notes li                       goals whose status could not be computed
//   #projection[data-goal]               the selected goal: #projection-heading, #projection-summary,
//                                        #projection-chart (ECharts), #projection-table tbody
//                                        tr[data-period][data-future]: td[data-role=actual|expected|gap];
//                                        data-future="true" for periods after "at" (actual hidden)
//   #smart-table tbody tr[data-goal=<id>][data-smart=true|false]
//     td[data-letter=S|M|A|R|T][data-pass=true|false][title=<reason>]  ✓ or ✗
//     details[data-role=reasons]         every letter's reason
//   #findings li[data-role=finding][data-kind=<kind>][data-subject=<subject>]  alignment findings
//   #quota-period                        the quarter of the leaderboard
//   #quota-table tbody tr[data-rep=<id>]: td[data-role=attainment|revenue]
//   #goals-edit-form                     edit the goals as a goals file:
//     #goals-yaml                        the YAML text; prefilled with the stored objectives and
//                                        root goals (cascaded children are left out) until edited
//     #goals-user                        optional name sent as X-Salesops-User (kept in localStorage)
//     #goals-apply                       sends the text with PUT /api/v1/goals
//     #goals-reset                       puts the stored goals back in the editor
//   #goals-result[data-outcome=ok|invalid|error]  the outcome of the last apply:
//     #goals-result-message              "Applied: N created, M updated, K unchanged…" or why not
//     #goals-problems li[data-role=problem][data-line]  "line L: goal: message", one per problem
import {
  $, API, api, el, live, showError, setStatus, readState, writeState, Dimensions,
  fmtValue, fmtDate, fmtRange, dayBefore, humanize, chart, palette, keepFocus, NONE,
} from './common.js';

const defaults = { at: '', goal: '' };
const state = readState(defaults);
const form = $('controls');

const STATE_TEXT = {
  on_track: 'On track', at_risk: 'At risk', off_track: 'Off track',
  not_started: 'Not started', achieved: 'Achieved', missed: 'Missed',
};
const LETTERS = [['S', 'Specific'], ['M', 'Measurable'], ['A', 'Achievable'], ['R', 'Relevant'], ['T', 'Time-bound']];

let catalog = [];
let dims = new Dimensions();
let statuses = []; // goal statuses in tree order
let seq = 0;
let projSeq = 0;

const kpiInfo = (id) => catalog.find((k) => k.id === id) || { id, name: humanize(id), unit: '' };

/** pick reads a status field by its lower-case name, or the capitalised one older servers sent. */
function pick(s, name) {
  const v = s[name];
  if (v !== undefined) return v;
  return s[name.charAt(0).toUpperCase() + name.slice(1)];
}

const stateOf = (s) => String(pick(s, 'state') || 'not_started');
const stateText = (st) => STATE_TEXT[st] || humanize(st);

/** scopeLabel names a goal's scope: Organisation, Team: West, Rep: Ann Lee. */
function scopeLabel(scope) {
  const [kind, id] = String(scope || 'org').split(':');
  if (kind === 'team') return `Team: ${dims.label('team', id)}`;
  if (kind === 'rep') return `Rep: ${dims.label('rep', id)}`;
  return 'Organisation';
}

// ---- the tree ---------------------------------------------------------------

/**
 * buildTree groups the statuses: objectives (in the API's order, then "No
 * objective") → KPIs (the objective's own order first) → root goals, each
 * with its cascaded children.
 */
function buildTree(objectives, list) {
  const byId = new Map(list.map((s) => [s.goal.id, s]));
  const children = new Map();
  const roots = [];
  for (const s of list) {
    const p = s.goal.parent;
    if (p && byId.has(p) && p !== s.goal.id) {
      if (!children.has(p)) children.set(p, []);
      children.get(p).push(s);
    } else roots.push(s);
  }
  const groups = objectives.map((o) => ({ id: o.id, name: o.name || o.id, description: o.description || '', kpis: [...(o.kpis || [])], roots: [] }));
  const byObjective = new Map(groups.map((g) => [g.id, g]));
  const none = { id: '', name: 'No objective', description: 'Goals that serve no objective (the SMART check marks them not Relevant).', kpis: [], roots: [] };
  for (const s of roots) {
    const oid = s.goal.objective || '';
    let g = oid ? byObjective.get(oid) : none;
    if (!g) {
      g = { id: oid, name: oid, description: 'Objective not in the goals file.', kpis: [], roots: [] };
      byObjective.set(oid, g);
      groups.push(g);
    }
    g.roots.push(s);
  }
  if (none.roots.length) groups.push(none);
  for (const g of groups) {
    for (const s of g.roots) if (!g.kpis.includes(s.goal.kpi)) g.kpis.push(s.goal.kpi);
  }
  return { groups, children };
}

function goalNode(s, children, seen) {
  const g = s.goal;
  seen.add(g.id);
  const st = stateOf(s);
  const unit = s.unit || kpiInfo(g.kpi).unit;
  const selected = g.id === selectedId();
  const target = pick(s, 'target');
  const metric = (role, label, value) => el('div', { class: 'metric' },
    el('dt', { text: label }), el('dd', { 'data-role': role, text: value }));
  const detail = [g.id, g.period];
  if (g.change !== undefined && g.change !== null) {
    const base = s.baseline ?? null;
    detail.push(`${g.change >= 0 ? '+' : '−'}${fmtValue(Math.abs(g.change), 'fraction')} vs ${g.baseline ? humanize(g.baseline).toLowerCase() : 'baseline'}${base !== null ? ' ' + fmtValue(base, unit) : ''}`);
  }
  if (g.owner) detail.push(`owner ${g.owner}`);
  const attainment = pick(s, 'attainment');
  const bar = el('span', { class: 'bar-fill' });
  bar.style.width = `${Math.max(0, Math.min(1, Number(attainment) || 0)) * 100}%`;
  const li = el('li', { class: 'goal-node', dataset: { goal: g.id, state: st } },
    el('div', { class: 'goal-card' + (selected ? ' selected' : '') },
      el('div', { class: 'goal-head' },
        el('button', {
          type: 'button', class: 'linkish goal-name', 'data-role': 'select', 'aria-pressed': selected ? 'true' : 'false',
          'aria-describedby': `state-${g.id}`,
          text: `${scopeLabel(g.scope)} · ${kpiInfo(g.kpi).name}`,
          on: { click: () => selectGoal(g.id, true) },
        }),
        el('span', { class: 'state-badge', id: `state-${g.id}`, 'data-role': 'state', dataset: { state: st }, text: stateText(st) })),
      el('p', { class: 'goal-detail muted', text: detail.join(' · ') }),
      el('div', { class: 'bar', 'aria-hidden': 'true' }, bar),
      el('dl', { class: 'metrics' },
        metric('attainment', 'Attainment', fmtValue(attainment, 'fraction')),
        metric('target', 'Target', fmtValue(target, unit)),
        metric('actual', 'Actual', fmtValue(pick(s, 'actual'), unit)),
        metric('projected', 'Projected', fmtValue(pick(s, 'projected'), unit)))));
  const kids = (children.get(g.id) || []).filter((c) => !seen.has(c.goal.id));
  if (kids.length) {
    li.append(el('ul', { class: 'goal-children', 'aria-label': `Split of ${g.id}` }, ...kids.map((c) => goalNode(c, children, seen))));
  }
  return li;
}

function drawTree(objectives, list) {
  const { groups, children } = buildTree(objectives, list);
  const seen = new Set();
  const ordered = [];
  const tree = $('goal-tree');
  keepFocus(tree, () => {
    tree.replaceChildren(...groups.map((o) => el('li', { class: 'objective-node', dataset: { objective: o.id } },
      el('h3', { class: 'objective-name' }, o.name, o.id && o.id !== o.name ? el('span', { class: 'muted', text: ` (${o.id})` }) : null),
      o.description ? el('p', { class: 'muted objective-description', text: o.description }) : null,
      el('ul', { class: 'kpi-list' }, ...o.kpis.map((k) => {
        const roots = o.roots.filter((s) => s.goal.kpi === k);
        return el('li', { class: 'kpi-node', dataset: { kpi: k } },
          el('h4', { class: 'kpi-name', text: kpiInfo(k).name }),
          roots.length
            ? el('ul', { class: 'goal-list' }, ...roots.map((s) => goalNode(s, children, seen)))
            : el('p', { class: 'muted', text: 'No goal on this KPI yet.' }));
      })))));
  });
  // Tree order, for the default selection.
  for (const li of tree.querySelectorAll('li.goal-node')) ordered.push(li.dataset.goal);
  const byId = new Map(list.map((s) => [s.goal.id, s]));
  statuses = ordered.map((id) => byId.get(id)).filter(Boolean);
}

// ---- selection and projection -------------------------------------------------

/** selectedId is the goal in the URL when it exists, else the first of the tree. */
function selectedId() {
  if (state.goal && statuses.some((s) => s.goal.id === state.goal)) return state.goal;
  return statuses[0]?.goal.id || '';
}

function markSelected(id) {
  for (const li of $('goal-tree').querySelectorAll('li.goal-node')) {
    const on = li.dataset.goal === id;
    li.querySelector(':scope > .goal-card').classList.toggle('selected', on);
    li.querySelector(':scope > .goal-card [data-role=select]').setAttribute('aria-pressed', on ? 'true' : 'false');
  }
}

async function selectGoal(id, user) {
  if (user) {
    state.goal = id;
    writeState(state, defaults);
  }
  markSelected(id);
  await loadProjection(id, user);
}

async function loadProjection(id, user = false) {
  const box = $('projection');
  const s = statuses.find((x) => x.goal.id === id);
  if (!s) {
    box.hidden = true;
    return;
  }
  const mine = ++projSeq;
  const p = await api(`/goals/${encodeURIComponent(id)}/projection`);
  if (mine !== projSeq) return;
  box.hidden = false;
  box.dataset.goal = id;
  const g = s.goal;
  const unit = s.unit || kpiInfo(g.kpi).unit;
  const target = p.target ?? pick(s, 'target');
  const cumulative = p.cumulative ?? s.cumulative;
  const points = asOf(p.points || [], String(g.start).slice(0, 10));
  $('projection-heading').textContent = `Projection: ${g.id}`;
  const st = stateOf(s);
  $('projection-summary').textContent = [
    `${kpiInfo(g.kpi).name} for ${scopeLabel(g.scope).replace(/^Team: |^Rep: /, '')}, ${g.period} (${fmtRange({ start: String(g.start).slice(0, 10), end: String(g.end).slice(0, 10) })}).`,
    `${fmtValue(Math.min(1, Math.max(0, Number(pick(s, 'elapsed')) || 0)), 'fraction')} of the period passed${state.at ? ' by the end of ' + fmtDate(state.at) : ''}.`,
    `Target ${fmtValue(target, unit)}; ${stateText(st).toLowerCase()}, attainment ${fmtValue(pick(s, 'attainment'), 'fraction')}, projected ${fmtValue(pick(s, 'projected'), unit)}.`,
    cumulative ? 'Cumulative: the actual adds up through the period against a linear pace to the target.' : 'A rate or level: each period is compared with the target (dashed line).',
  ].join(' ');

  const c = chart($('projection-chart'));
  if (c) {
    const actual = {
      name: 'Actual', type: 'line', data: points.map((x) => x.actual ?? null), connectNulls: false,
      showSymbol: points.length < 20, lineStyle: { width: 3 },
    };
    if (!cumulative && typeof target === 'number') {
      actual.markLine = {
        silent: true, symbol: 'none',
        lineStyle: { type: 'dashed', color: '#b42318', width: 2 },
        label: { formatter: `Target ${fmtValue(target, unit, true)}`, position: 'insideEndTop' },
        data: [{ yAxis: target, name: 'Target' }],
      };
    }
    c.setOption({
      color: [palette[0], palette[1]],
      animation: false,
      legend: { top: 4 },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', valueFormatter: (x) => fmtValue(x, unit) },
      xAxis: { type: 'category', data: points.map((x) => x.period), boundaryGap: false },
      yAxis: { type: 'value', scale: !cumulative, axisLabel: { formatter: (x) => fmtValue(x, unit, true) } },
      series: [
        actual,
        { name: 'Expected', type: 'line', data: points.map((x) => x.expected ?? null), showSymbol: false, lineStyle: { type: 'dotted', width: 2 } },
      ],
    }, { notMerge: true });
  }
  const rows = points.map((x) => {
    const gap = typeof x.actual === 'number' && typeof x.expected === 'number' ? x.actual - x.expected : null;
    return el('tr', { dataset: { period: x.period, future: x.future ? 'true' : null } },
      el('th', { scope: 'row' }, x.period, el('br'), el('span', { class: 'muted small', text: x.end ? `to ${fmtDate(dayBefore(x.end))}` : '' })),
      el('td', { class: 'num', 'data-role': 'actual', text: fmtValue(x.actual ?? null, unit) }),
      el('td', { class: 'num', 'data-role': 'expected', text: fmtValue(x.expected ?? null, unit) }),
      el('td', { class: 'num', 'data-role': 'gap', text: gap === null ? NONE : (gap >= 0 ? '+' : '−') + fmtValue(Math.abs(gap), unit) }));
  });
  if (!rows.length) rows.push(el('tr', {}, el('td', { colspan: 4, class: 'muted', text: 'No periods to show.' })));
  $('projection-table').tBodies[0].replaceChildren(...rows);
  if (user) $('projection-heading').focus();
}

/**
 * asOf hides the actual of the periods that start after the "at" date (the
 * projection endpoint reports everything up to the end of the data), so that
 * the chart tells the same story as the states. Those points get future: true.
 */
function asOf(points, start) {
  if (!state.at) return points;
  let from = start;
  return points.map((x) => {
    const p = { ...x };
    if (from && from > state.at) {
      p.actual = null;
      p.future = true;
    }
    from = x.end || from;
    return p;
  });
}

// ---- SMART check ------------------------------------------------------------

function drawCheck(check) {
  const rows = (check.checks || []).map((c) => {
    const g = c.goal || {};
    const verdicts = new Map((c.verdicts || []).map((v) => [v.letter, v]));
    const smart = LETTERS.every(([l]) => verdicts.get(l)?.pass);
    return el('tr', { dataset: { goal: g.id, smart: String(smart) } },
      el('th', { scope: 'row' }, g.id, el('br'), el('span', { class: 'muted small', text: `${kpiInfo(g.kpi).name} · ${scopeLabel(g.scope)} · ${g.period}` })),
      ...LETTERS.map(([l, word]) => {
        const v = verdicts.get(l);
        const pass = v ? !!v.pass : null;
        return el('td', {
          class: 'letter ' + (pass === true ? 'pass' : pass === false ? 'fail' : ''),
          dataset: { letter: l, pass: pass === null ? null : String(pass) },
          title: v ? `${word}: ${v.reason}` : `${word}: not checked`,
        },
        el('span', { 'aria-hidden': 'true', text: pass === true ? '✓' : pass === false ? '✗' : NONE }),
        el('span', { class: 'visually-hidden', text: pass === true ? 'pass' : pass === false ? 'fail' : 'not checked' }));
      }),
      el('td', {}, el('details', { 'data-role': 'reasons' },
        el('summary', { text: smart ? 'Reasons' : `Reasons (${LETTERS.filter(([l]) => verdicts.get(l) && !verdicts.get(l).pass).map(([l]) => l).join(', ')} failed)` }),
        el('ul', { class: 'reasons' }, ...LETTERS.map(([l, word]) => {
          const v = verdicts.get(l);
          return el('li', { dataset: { letter: l } }, el('strong', { text: `${v?.pass ? '✓' : '✗'} ${word}: ` }), v?.reason || 'not checked');
        })))));
  });
  if (!rows.length) rows.push(el('tr', {}, el('td', { colspan: 7, class: 'muted', text: 'No goals to check.' })));
  keepFocus($('smart-table'), () => $('smart-table').tBodies[0].replaceChildren(...rows));

  const findings = (check.alignment || []).map((f) => el('li', { 'data-role': 'finding', dataset: { kind: f.kind, subject: f.subject } },
    el('strong', { text: humanize(f.kind) + ': ' }), f.message || f.subject));
  if (!findings.length) findings.push(el('li', { class: 'muted', text: 'No alignment findings: objectives, KPIs and goals fit together.' }));
  $('findings').replaceChildren(...findings);
}

// ---- quota leaderboard -------------------------------------------------------

function drawQuota(values) {
  const rows = values.rows || [];
  // The latest quarter with data: the last period in the rows.
  let last = null;
  for (const r of rows) if (r.rep != null && (!last || (r.start || r.period) >= (last.start || last.period))) last = r;
  const reps = new Map();
  for (const r of rows) {
    if (!last || r.period !== last.period || r.rep == null) continue;
    if (!reps.has(r.rep)) reps.set(r.rep, { id: r.rep, values: {} });
    reps.get(r.rep).values[r.kpi] = r.value;
  }
  $('quota-period').textContent = last ? `(${last.period}${last.start && last.end ? ', ' + fmtRange(last) : ''})` : '';
  const num = (x) => (typeof x === 'number' && Number.isFinite(x) ? x : null);
  const list = [...reps.values()].sort((a, b) => {
    const x = num(a.values.quota_attainment), y = num(b.values.quota_attainment);
    if (x === null || y === null) return x === y ? (num(b.values.revenue) ?? -Infinity) - (num(a.values.revenue) ?? -Infinity) : x === null ? 1 : -1;
    return y - x;
  });
  const qa = kpiInfo('quota_attainment'), rev = kpiInfo('revenue');
  const out = list.map((r, i) => {
    const rep = dims.repById.get(r.id);
    return el('tr', { dataset: { rep: r.id } },
      el('td', { class: 'num', text: String(i + 1) }),
      el('th', { scope: 'row', text: dims.label('rep', r.id) }),
      el('td', { text: rep?.team ? dims.label('team', rep.team) : NONE }),
      el('td', { class: 'num ' + (num(r.values.quota_attainment) === null ? '' : r.values.quota_attainment >= 1 ? 'change-good' : ''), 'data-role': 'attainment', text: fmtValue(r.values.quota_attainment ?? null, qa.unit || 'fraction') }),
      el('td', { class: 'num', 'data-role': 'revenue', text: fmtValue(r.values.revenue ?? null, rev.unit || 'currency') }));
  });
  if (!out.length) out.push(el('tr', {}, el('td', { colspan: 5, class: 'muted', text: 'No rep values yet.' })));
  $('quota-table').tBodies[0].replaceChildren(...out);
}

// ---- editing ---------------------------------------------------------------------

const editForm = $('goals-edit-form');
const editor = $('goals-yaml');
const userInput = $('goals-user');
const USER_KEY = 'salesops.goals.user';
let edited = false; // the editor holds the user's text: refreshes leave it alone

const RESERVED = /^(?:true|false|yes|no|on|off|y|n|null|~)$/i;
const NUMBERISH = /^[-+]?(?:\d[\d_]*(?:\.[\d_]*)?(?:[eE][-+]?\d+)?|\.\d+|\.inf|\.nan|0x[\da-fA-F_]+|0o[0-7_]+|0b[01_]+)$/i;

/**
 * yamlStr renders a string as a plain YAML scalar when that reads back as the
 * same string (ids, labels like 2026-Q4, team:T002, e-mail addresses), else as a
 * double-quoted scalar with every character that is not plain printable text escaped.
 */
export function yamlStr(v) {
  const s = String(v ?? '');
  if (/^[A-Za-z0-9_][A-Za-z0-9_.\/@+:-]*$/.test(s) && !s.endsWith(':') && !RESERVED.test(s) &&
      !NUMBERISH.test(s) && !/^\d+[-:]\d/.test(s) && !s.includes('::')) return s;
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029 || c === 0xfeff ||
             (c >= 0xd800 && c <= 0xdfff) || c === 0xfffe || c === 0xffff) {
      out += c <= 0xff ? '\\x' + c.toString(16).padStart(2, '0') : '\\u' + c.toString(16).padStart(4, '0');
    } else out += ch;
  }
  return out + '"';
}

/** yamlNum renders a finite number (null for anything else). */
function yamlNum(v) {
  return typeof v === 'number' && Number.isFinite(v) ? String(v) : null;
}

/** goalsYAML renders stored objectives and goals as a goals file; goals split from a parent are left out. */
export function goalsYAML(objectives, goalList) {
  const lines = [];
  if (!objectives.length) lines.push('objectives: []');
  else lines.push('objectives:');
  for (const o of objectives) {
    lines.push(`  - id: ${yamlStr(o.id)}`);
    lines.push(`    name: ${yamlStr(o.name || o.id)}`);
    lines.push(`    kpis: [${(o.kpis || []).map(yamlStr).join(', ')}]`);
    if (o.description) lines.push(`    description: ${yamlStr(o.description)}`);
  }
  const roots = goalList.filter((g) => g && g.id && !g.parent);
  lines.push(roots.length ? 'goals:' : 'goals: []');
  for (const g of roots) {
    lines.push(`  - id: ${yamlStr(g.id)}`);
    lines.push(`    kpi: ${yamlStr(g.kpi)}`);
    if (g.scope && g.scope !== 'org') lines.push(`    scope: ${yamlStr(g.scope)}`);
    // A range is stored as the period "FROM..TO" (from/to are not kept): give it back as from/to.
    const range = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/.exec(String(g.period || ''));
    const from = g.from || (range && range[1]);
    const to = g.to || (range && range[2]);
    if (from || to) {
      lines.push(`    from: ${yamlStr(from || '')}`);
      lines.push(`    to: ${yamlStr(to || '')}`);
    } else if (g.period) lines.push(`    period: ${yamlStr(g.period)}`);
    const change = yamlNum(g.change);
    const target = yamlNum(g.target);
    if (change !== null) {
      lines.push(`    change: ${change}`);
      if (g.baseline) lines.push(`    baseline: ${yamlStr(g.baseline)}`);
    } else if (target !== null) lines.push(`    target: ${target}`);
    if (g.owner) lines.push(`    owner: ${yamlStr(g.owner)}`);
    if (g.objective) lines.push(`    objective: ${yamlStr(g.objective)}`);
  }
  return lines.join('\n') + '\n';
}

/** fillEditor shows the stored goals in the editor unless the user is editing it. */
function fillEditor(objectives, goalList, force = false) {
  if (edited && !force) return;
  editor.value = goalsYAML(objectives, goalList);
  edited = false;
}

let stored = { objectives: [], goals: [] };

/** problemText formats a problem as "line L: goal: message" (missing parts left out). */
function problemText(p) {
  if (typeof p === 'string') return p;
  return [p.line > 0 ? `line ${p.line}` : '', p.goal, p.message].filter((x) => x !== undefined && x !== null && x !== '').join(': ');
}

/** goToLine selects line n (1-based) of the editor and focuses it. */
function goToLine(n) {
  const lines = editor.value.split('\n');
  const i = Math.max(0, Math.min(lines.length, n) - 1);
  let start = 0;
  for (let k = 0; k < i; k++) start += lines[k].length + 1;
  editor.focus();
  editor.setSelectionRange(start, start + (lines[i] || '').length);
  // Scroll the line into view: the textarea has no API for it, so estimate by line height.
  const lh = parseFloat(getComputedStyle(editor).lineHeight) || 20;
  editor.scrollTop = Math.max(0, i * lh - editor.clientHeight / 3);
}

function showResult(outcome, message, problems = []) {
  if (outcome) $('goals-result').dataset.outcome = outcome;
  else delete $('goals-result').dataset.outcome;
  $('goals-result-message').textContent = message;
  $('goals-problems').replaceChildren(...problems.map((p) => {
    const line = typeof p === 'object' && p && p.line > 0 ? p.line : null;
    const text = problemText(p);
    if (!line) return el('li', { 'data-role': 'problem', text });
    const lead = `line ${line}`;
    return el('li', { 'data-role': 'problem', dataset: { line: String(line) } },
      el('button', { type: 'button', class: 'linkish', title: `Go to line ${line} in the editor`, text: lead, on: { click: () => goToLine(line) } }),
      text.slice(lead.length));
  }));
}

function count(n, word) {
  return `${n} ${word}`;
}

async function applyGoals() {
  const user = userInput.value.trim();
  try {
    localStorage.setItem(USER_KEY, user);
  } catch {
    // storage may be off (private mode); the name is then only used this once
  }
  if (/[^\x20-\x7e\xa0-\xff]/.test(user)) {
    showResult('error', 'Not applied: your name can only use Latin letters, digits and punctuation (it is sent as an HTTP header).');
    userInput.focus();
    return;
  }
  const button = $('goals-apply');
  button.disabled = true;
  editForm.setAttribute('aria-busy', 'true');
  showResult('pending', 'Applying…');
  try {
    const headers = { 'Content-Type': 'application/yaml', Accept: 'application/json' };
    if (user) headers['X-Salesops-User'] = user;
    const sent = editor.value;
    let res;
    try {
      res = await fetch(API + '/goals', { method: 'PUT', headers, body: sent });
    } catch {
      showResult('error', 'Not applied: the server could not be reached.');
      return;
    }
    let body = null;
    try {
      body = await res.json();
    } catch {
      body = null;
    }
    if (res.ok) {
      const b = body || {};
      const n = (x) => (Array.isArray(x) ? x.length : 0);
      const objs = typeof b.objectives === 'number' ? `; ${count(b.objectives, b.objectives === 1 ? 'objective' : 'objectives')} stored` : '';
      showResult('ok', `Applied: ${n(b.created)} created, ${n(b.updated)} updated, ${n(b.unchanged)} unchanged${objs}.`);
      // Show what is stored now (unless the text changed while it was sent).
      if (editor.value === sent) edited = false;
      load().catch(showError);
      return;
    }
    const e = (body && body.error) || {};
    if (res.status === 400) {
      const problems = Array.isArray(e.problems) ? e.problems : [];
      const k = problems.length;
      showResult('invalid', `Refused: ${k ? count(k, k === 1 ? 'problem' : 'problems') + ' in the file' : e.message || 'the file is not valid'}; nothing was applied. Fix ${k === 1 ? 'it' : 'them'} and apply again.`, problems);
      return;
    }
    showResult('error', `Not applied: ${e.message || `the server answered HTTP ${res.status}`}.`);
  } finally {
    button.disabled = false;
    editForm.removeAttribute('aria-busy');
  }
}

try {
  userInput.value = localStorage.getItem(USER_KEY) || '';
} catch {
  userInput.value = '';
}
editor.addEventListener('input', () => {
  edited = true;
});
editor.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    editForm.requestSubmit();
  }
});
editForm.addEventListener('submit', (e) => {
  e.preventDefault();
  applyGoals().catch((err) => {
    showError(err);
    showResult('error', `Not applied: ${err instanceof Error ? err.message : String(err)}`);
  });
});
$('goals-reset').addEventListener('click', () => {
  fillEditor(stored.objectives, stored.goals, true);
  showResult('', '');
  editor.focus();
});

// ---- loading -------------------------------------------------------------------

async function load() {
  const mine = ++seq;
  const [list, check, values] = await Promise.all([
    api('/goals', { at: state.at }),
    api('/goals/check').catch((err) => {
      showError(err);
      return { checks: [], alignment: [] };
    }),
    api('/values', { kpi: 'quota_attainment,revenue', by: 'rep', period: 'quarter' }).catch((err) => {
      showError(err);
      return { rows: [] };
    }),
  ]);
  if (mine !== seq) return;
  const goalsList = (list.goals || []).filter((s) => s && s.goal && s.goal.id);
  const empty = goalsList.length === 0;
  $('goals-empty').hidden = !empty;
  $('goals-body').hidden = empty;
  $('smart').hidden = empty;
  $('goals-at').textContent = state.at ? `(as of the end of ${fmtDate(state.at)})` : '(as of now)';
  $('goal-notes').replaceChildren(...(list.notes || []).map((n) => el('li', { text: n })));
  // The editor gets every stored goal: those whose status could not be
  // computed are missing from the list (they are in the notes) but not from the check.
  const known = new Set(goalsList.map((s) => s.goal.id));
  const unlisted = (check.checks || []).map((c) => c.goal).filter((g) => g && g.id && !known.has(g.id));
  stored = { objectives: list.objectives || [], goals: [...goalsList.map((s) => s.goal), ...unlisted] };
  fillEditor(stored.objectives, stored.goals);
  drawTree(list.objectives || [], goalsList);
  drawCheck(check);
  drawQuota(values);
  const id = selectedId();
  markSelected(id);
  if (id) await loadProjection(id);
  else $('projection').hidden = true;
}

async function refresh() {
  const [kpis, d] = await Promise.all([api('/kpis'), Dimensions.load()]);
  catalog = kpis || [];
  dims = d;
  form.elements.at.value = state.at;
  setStatus('');
  await load();
}

form.addEventListener('change', () => {
  state.at = form.elements.at.value;
  writeState(state, defaults, true);
  setStatus('');
  load().catch(showError);
});
form.addEventListener('submit', (e) => e.preventDefault());
window.addEventListener('popstate', () => {
  Object.assign(state, readState(defaults));
  form.elements.at.value = state.at;
  load().catch(showError);
});
refresh().catch(showError);
live(refresh);
