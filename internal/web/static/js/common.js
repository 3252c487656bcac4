// Shared helpers of the dashboard pages: API calls, DOM building (text only:
// data is set with textContent, never parsed as HTML), number formatting, charts, URL state
// and live updates.
//
// DOM hooks in the layout (all pages):
//   body[data-page]              page id: overview, explore, team, pipeline, forecast, goals, time, coach, quality, import
//   body[data-charts]            "on" when the vendored ECharts file is served, else "off"
//   #charts-note                 the note shown when charts are off
//   #status                      status / error line (data-kind="error" on errors)
//   #live-status[data-state]     "live" while the event stream is open, else "off";
//                                data-version holds the last data_version received

export const API = '/api/v1';

/** ApiError carries the API's error object ({code, message, param, problems}). */
export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `request failed (HTTP ${status})`);
    this.status = status;
    this.code = e.code || '';
    this.param = e.param || '';
    this.problems = e.problems || [];
  }
}

/** api fetches API + path with the non-empty params and returns the parsed JSON. */
export async function api(path, params = {}) {
  const res = await fetch(API + path + query(params), { headers: { Accept: 'application/json' } });
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

/** query builds "?a=1&b=2" from an object, leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    q.set(k, String(v));
  }
  const s = q.toString();
  return s ? '?' + s : '';
}

/**
 * el builds an element. attrs: class, dataset ({...}; null values left out), on ({event: fn}),
 * text, or any attribute (false/null/undefined leave it out). Children are
 * nodes or strings (added as text).
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k === 'dataset') {
      for (const [dk, dv] of Object.entries(v)) if (dv !== undefined && dv !== null) node.dataset[dk] = dv;
    }
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) node.addEventListener(ev, fn);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

/** $ is document.getElementById. */
export const $ = (id) => document.getElementById(id);

/** setStatus shows a message in #status; kind "error" styles it as one; '' clears it. */
export function setStatus(message, kind = 'info') {
  const s = $('status');
  if (!s) return;
  s.textContent = message || '';
  s.dataset.kind = kind;
}

/** showError reports a failed load in #status. */
export function showError(err) {
  console.error(err);
  setStatus(err instanceof Error ? err.message : String(err), 'error');
}

// ---- formatting -------------------------------------------------------

const nf = (opts) => new Intl.NumberFormat(undefined, opts);
const fmtInt = nf({ maximumFractionDigits: 0 });
const fmt1 = nf({ minimumFractionDigits: 1, maximumFractionDigits: 1 });
const fmt2 = nf({ minimumFractionDigits: 2, maximumFractionDigits: 2 });
const fmtCompact = nf({ notation: 'compact', maximumFractionDigits: 1 });

export const NONE = '—';

/**
 * fmtValue formats a KPI value for its unit. compact shortens large amounts
 * (1.2M) for tiles and axes.
 */
export function fmtValue(v, unit, compact = false) {
  if (v === null || v === undefined || Number.isNaN(v)) return NONE;
  switch (unit) {
    case 'fraction':
      return fmt1.format(v * 100) + '%';
    case 'currency':
      return compact && Math.abs(v) >= 10000 ? fmtCompact.format(v) : fmtInt.format(v);
    case 'count':
      if (compact && Math.abs(v) >= 100000) return fmtCompact.format(v);
      return Number.isInteger(v) ? fmtInt.format(v) : fmt1.format(v);
    case 'days':
      return fmt1.format(v) + ' d';
    case 'minutes':
      return fmt1.format(v) + ' min';
    case 'ratio':
      return fmt2.format(v) + '×';
    case 'score':
      return fmt1.format(v);
    default:
      return Math.abs(v) >= 100 ? fmtInt.format(v) : fmt2.format(v);
  }
}

/**
 * fmtChange formats a change: percentage points for fractions, otherwise the
 * relative change when known, else the absolute one. Signed.
 */
export function fmtChange(change, ratio, unit) {
  if (change === null || change === undefined) return NONE;
  const sign = (x) => (x > 0 ? '+' : x < 0 ? '−' : '±');
  if (unit === 'fraction') return sign(change) + fmt1.format(Math.abs(change) * 100) + ' pp';
  if (ratio !== null && ratio !== undefined && Number.isFinite(ratio)) return sign(ratio) + fmt1.format(Math.abs(ratio) * 100) + '%';
  return sign(change) + fmtValue(Math.abs(change), unit, true);
}

/** changeClass maps the API's better (true/false/null) to a CSS class. */
export function changeClass(better) {
  return better === true ? 'change-good' : better === false ? 'change-bad' : 'change-none';
}

/** arrow gives ▲ ▼ or ▬ for the sign of a change. */
export function arrow(change) {
  if (change === null || change === undefined || change === 0) return '▬';
  return change > 0 ? '▲' : '▼';
}

/** fmtDate shows an ISO date (YYYY-MM-DD) as a short local date. */
export function fmtDate(iso) {
  if (!iso) return '';
  const d = new Date(iso + 'T00:00:00Z');
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
}

/** dayBefore returns the ISO date before an ISO date (an exclusive end made inclusive). */
export function dayBefore(iso) {
  const d = new Date(iso + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

/** fmtRange shows a period {start, end(exclusive)} as "1 Jul 2026 – 30 Sep 2026". */
export function fmtRange(p) {
  if (!p || !p.start || !p.end) return '';
  return `${fmtDate(p.start)} – ${fmtDate(dayBefore(p.end))}`;
}

/** median of the finite numbers in xs (mean of the middle two for an even count), or null. */
export function median(xs) {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** humanize turns an id such as lead_generation into "Lead generation". */
export function humanize(id) {
  const s = String(id ?? '').replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// ---- dimensions -------------------------------------------------------

/**
 * Dimensions wraps /api/v1/dimensions with display names for teams and reps.
 */
/**
 * labelCells gives every body cell of a table the text of its column's header
 * as data-label, which the stylesheet shows above the value when a narrow
 * screen stacks the rows as cards (table.stack-sm).
 */
export function labelCells(table) {
  const heads = [...(table.tHead?.rows[0]?.cells || [])].map((th) => th.textContent.trim());
  for (const tr of table.tBodies[0].rows) {
    if (tr.cells.length !== heads.length) continue;
    [...tr.cells].forEach((c, i) => { if (c.tagName === 'TD') c.dataset.label = heads[i]; });
  }
}

export class Dimensions {
  constructor(d = {}) {
    this.list = d.dimensions || [];
    this.teams = d.teams || [];
    this.reps = d.reps || [];
    this.teamById = new Map(this.teams.map((t) => [t.id, t]));
    this.repById = new Map(this.reps.map((r) => [r.id, r]));
  }

  static async load() {
    return new Dimensions(await api('/dimensions'));
  }

  /** label names one dimension value for people. */
  label(dim, value) {
    if (value === null || value === undefined) return '(blank)';
    if (dim === 'rep') return this.repById.get(value)?.name || value;
    if (dim === 'team') return this.teamById.get(value)?.name || value;
    return String(value);
  }

  /** subtree returns the ids of a team and every team below it. */
  subtree(id) {
    const out = new Set([id]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const t of this.teams) {
        if (t.parent && out.has(t.parent) && !out.has(t.id)) {
          out.add(t.id);
          grew = true;
        }
      }
    }
    return out;
  }

  /** teamOptions lists the teams as [{value, label}] in tree order, indented by depth. */
  teamOptions() {
    const children = new Map();
    for (const t of this.teams) {
      const p = t.parent && this.teamById.has(t.parent) ? t.parent : null;
      if (!children.has(p)) children.set(p, []);
      children.get(p).push(t);
    }
    const out = [];
    const seen = new Set();
    const walk = (parent, depth) => {
      for (const t of children.get(parent) || []) {
        if (seen.has(t.id)) continue;
        seen.add(t.id);
        out.push({ value: t.id, label: '\u00a0\u00a0'.repeat(depth) + (t.name || t.id) });
        walk(t.id, depth + 1);
      }
    };
    walk(null, 0);
    return out;
  }
}

/**
 * fillSelect replaces a select's options (keeping the first `keep` static
 * ones) with options [{value, label}] or groups [{label, options}], and
 * restores the selection when the value still exists.
 */
export function fillSelect(select, items, keep = 0, value = select.value) {
  while (select.options.length > keep || select.querySelector('optgroup')) {
    select.lastElementChild.remove();
  }
  for (const it of items) {
    if (it.options) {
      const g = el('optgroup', { label: it.label });
      for (const o of it.options) g.append(el('option', { value: o.value, text: o.label }));
      select.append(g);
    } else {
      select.append(el('option', { value: it.value, text: it.label }));
    }
  }
  if ([...select.options].some((o) => o.value === value)) select.value = value;
}

/**
 * keepFocus runs redraw (which rebuilds part of container) and puts the
 * focus back on the element at the same place, so that a live update does
 * not throw a keyboard user out of a table.
 */
export function keepFocus(container, redraw) {
  const path = [];
  for (let n = document.activeElement; n && n !== container; n = n.parentElement) {
    if (!n.parentElement) return redraw();
    path.unshift([...n.parentElement.children].indexOf(n));
  }
  const had = path.length > 0 && container.contains(document.activeElement);
  redraw();
  if (!had) return;
  let n = container;
  for (const i of path) n = n?.children[i];
  if (n && n.focus) n.focus();
}

// ---- URL state ----------------------------------------------------------

/** readState reads the query string into an object of the given defaults' keys. */
export function readState(defaults) {
  const q = new URLSearchParams(location.search);
  const s = { ...defaults };
  for (const k of Object.keys(defaults)) if (q.has(k)) s[k] = q.get(k);
  return s;
}

/** writeState puts the non-default values of state into the URL (replaceState unless push). */
export function writeState(state, defaults, push = false) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(state)) {
    if (v !== '' && v !== null && v !== undefined && v !== defaults[k]) q.set(k, v);
  }
  const s = q.toString();
  const url = location.pathname + (s ? '?' + s : '');
  if (url !== location.pathname + location.search) {
    history[push ? 'pushState' : 'replaceState'](null, '', url);
  }
}

// ---- charts -----------------------------------------------------------------

/** chartsOn reports whether the ECharts global is available. */
export function chartsOn() {
  const on = typeof window.echarts !== 'undefined';
  if (!on) {
    document.body.dataset.charts = 'off';
    const note = $('charts-note');
    if (!note) {
      const main = document.querySelector('main h1');
      main?.after(el('p', { id: 'charts-note', class: 'note', 'data-role': 'charts-note', text: 'Charts are off: the chart library did not load. Run `make assets` and rebuild; the tables show every number.' }));
    }
  }
  return on;
}

const charts = new Set();
let resizeHooked = false;

/**
 * chart returns the ECharts instance of a container (creating it), or null
 * when charts are off.
 */
export function chart(container) {
  if (!container || !chartsOn()) return null;
  let c = window.echarts.getInstanceByDom(container);
  if (!c) {
    c = window.echarts.init(container, null, { renderer: 'canvas' });
    charts.add(c);
    if (!resizeHooked) {
      resizeHooked = true;
      let t = 0;
      window.addEventListener('resize', () => {
        clearTimeout(t);
        t = setTimeout(() => charts.forEach((x) => x.isDisposed() || x.resize()), 100);
      });
    }
  }
  return c;
}

/** palette: colour-blind-friendly series colours (Okabe–Ito plus extras). */
export const palette = ['#1f4e8c', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#0072b2', '#7f7f7f', '#8c6d1f', '#6a3d9a'];

/** sparkline draws values [{period, value}] in a small chart. */
export function sparkline(container, points, good) {
  const c = chart(container);
  if (!c) return;
  const color = good === true ? '#1a7f37' : good === false ? '#b42318' : '#5a6473';
  c.setOption(
    {
      animation: false,
      grid: { left: 2, right: 2, top: 4, bottom: 4 },
      xAxis: { type: 'category', show: false, data: points.map((p) => p.period) },
      yAxis: { type: 'value', show: false, scale: true },
      tooltip: { show: false },
      series: [{ type: 'line', data: points.map((p) => p.value), symbol: 'none', smooth: false, connectNulls: false, lineStyle: { width: 2, color }, areaStyle: { color, opacity: 0.08 } }],
    },
    { notMerge: true },
  );
}

// ---- live updates ---------------------------------------------------------

/**
 * live opens the event stream and calls refresh (debounced) on every `data`
 * event. The indicator #live-status shows the connection state.
 */
export function live(refresh) {
  const badge = $('live-status');
  const set = (state, text) => {
    if (!badge) return;
    badge.dataset.state = state;
    badge.textContent = text;
  };
  if (typeof EventSource === 'undefined') return;
  const es = new EventSource(API + '/stream');
  let timer = 0;
  es.addEventListener('open', () => set('live', 'live'));
  es.addEventListener('error', () => set('off', 'reconnecting…'));
  es.addEventListener('data', (ev) => {
    set('live', 'live');
    try {
      const v = JSON.parse(ev.data).data_version;
      if (badge && v !== undefined) badge.dataset.version = String(v);
    } catch {
      /* a data event without JSON still means "refetch" */
    }
    clearTimeout(timer);
    timer = setTimeout(() => {
      Promise.resolve(refresh()).catch(showError);
    }, 250);
  });
  return es;
}

// ---- period labels and links to the explorer ---------------------------------

/** SEASON is how many periods of a grain make a year (a trend's explanation compares a year apart). */
export const SEASON = { week: 52, month: 12, quarter: 4, year: 1 };

/**
 * grainOf names the grain of an API period label: "2026" year, "2026-Q1"
 * quarter, "2026-03" month, "2026-W05" week; '' for anything else.
 */
export function grainOf(label) {
  const s = String(label ?? '');
  if (/^\d{4}$/.test(s)) return 'year';
  if (/^\d{4}-Q[1-4]$/.test(s)) return 'quarter';
  if (/^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$/.test(s)) return 'week';
  if (/^\d{4}-(0[1-9]|1[0-2])$/.test(s)) return 'month';
  return '';
}

const DAY = 86400000;

/** isoWeek gives [ISO year, ISO week] of a UTC date. */
function isoWeek(d) {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  t.setUTCDate(t.getUTCDate() + 3 - ((t.getUTCDay() + 6) % 7)); // the Thursday of its week
  const y = t.getUTCFullYear();
  return [y, Math.ceil(((t - Date.UTC(y, 0, 1)) / DAY + 1) / 7)];
}

/**
 * shiftLabel moves a period label n periods along its own grain (n < 0:
 * back): shiftLabel('2026-01', -1) is '2025-12', shiftLabel('2026-Q1', -4)
 * '2025-Q1'. Quarter and year labels are fiscal labels and shift the same
 * way. '' when the label is not a period label.
 */
export function shiftLabel(label, n) {
  const g = grainOf(label);
  const y = Number(String(label).slice(0, 4));
  const pad = (x) => String(x).padStart(2, '0');
  switch (g) {
    case 'year':
      return String(y + n);
    case 'quarter': {
      const i = y * 4 + Number(label.slice(6)) - 1 + n;
      return `${Math.floor(i / 4)}-Q${(i % 4 + 4) % 4 + 1}`;
    }
    case 'month': {
      const i = y * 12 + Number(label.slice(5)) - 1 + n;
      return `${Math.floor(i / 12)}-${pad((i % 12 + 12) % 12 + 1)}`;
    }
    case 'week': {
      // Monday of ISO week 1 is the Monday of the week holding 4 January.
      const jan4 = new Date(Date.UTC(y, 0, 4));
      const monday = jan4.getTime() - ((jan4.getUTCDay() + 6) % 7) * DAY;
      const [wy, w] = isoWeek(new Date(monday + (7 * (Number(label.slice(6)) - 1) + 7 * n) * DAY));
      return `${wy}-W${pad(w)}`;
    }
    default:
      return '';
  }
}

/**
 * explorePath links to the explorer: kpi, grain (its "period" control),
 * filters ({dimension: value}, e.g. {team: 'T002'}), at (a period whose
 * records to show) and explain ({from, to}: the change to explain). Empty
 * values are left out.
 */
export function explorePath({ kpi, grain, filters = {}, at, explain } = {}) {
  const q = new URLSearchParams();
  if (kpi) q.set('kpi', kpi);
  if (grain) q.set('period', grain);
  for (const [dim, v] of Object.entries(filters || {})) {
    if (v !== undefined && v !== null && v !== '') q.set(dim, Array.isArray(v) ? v.join(',') : String(v));
  }
  if (at) q.set('at', at);
  if (explain && explain.from && explain.to) q.set('explain', `${explain.from}..${explain.to}`);
  const s = q.toString();
  return '/explore' + (s ? '?' + s : '');
}
