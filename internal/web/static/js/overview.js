// Overview: the scorecard of one scope (org, team or rep) as KPI tiles
// grouped by category, each with its value, change against the previous
// period and a sparkline; above them the insights feed of the same scope.
// Data: /api/v1/dimensions, /api/v1/scorecard,
//   /api/v1/insights?team=|rep=  → {items:[{kind: anomaly|trend|goal|alert, severity: bad|good|info,
//                                  text, kpi, period, filters}]}, bad news first (kept in the API's order).
//   The feed is monthly (the API's default: the last month against its history, trends over
//   the last 36 months) whatever the tiles' period; each item links to the explorer on its KPI,
//   filters and grain (anomalies and goals: with their period's records open), and trend and
//   anomaly items have an "Explain" link that opens the explorer explaining the change —
//   an anomaly against the period before, a trend against the same period a year before.
//
// DOM hooks: (stable across refreshes; live updates change them in place)
//   #scope (select)              "org", "team:<id>" or "rep:<id>"; URL ?scope=
//   #period (select)             week, month, quarter (default), year; URL ?period=
//   #insights[data-state][aria-busy]  the feed: data-state "loading" (first load or new scope),
//                                "ready" (items listed), "empty" ([data-role=empty] "Nothing
//                                unusual…" shown) or "error" ([data-role=error] holds the message);
//                                aria-busy "true" while a request is out (also on live refreshes)
//   #insights-list li.insight[data-kind][data-severity][data-kpi][data-period]  one per item,
//                                in the API's order; items after the first 6 are hidden until
//                                #insights-more ("Show all N", aria-expanded) is pressed
//     [data-role=severity]       marker: "Bad", "Good" or "Info"
//     [data-role=text]           the item's text
//     [data-role=meta]           kind and period
//     a[data-role=open]          /explore?kpi=&period=<grain>&<filters>[&at=<period>]
//     a[data-role=explain]       trend and anomaly items: /explore?…&explain=<from>..<to>
//   #period-label[data-role=period]  the period shown and the one compared with
//   #tiles[aria-busy]            "false" once a scorecard has been drawn
//   section.category[data-category="<category>"]  one per category, in catalog order
//   li.tile[data-kpi="<kpi id>"] one per KPI, with data-unit and data-better ("true", "false", "")
//     [data-role=value]          formatted value
//     [data-role=change]         change vs previous period; class change-good / change-bad / change-none
//     [data-role=spark]          sparkline container (ECharts)
import {
  $, api, el, live, showError, setStatus, readState, writeState, fillSelect, Dimensions, keepFocus,
  fmtValue, fmtChange, fmtRange, changeClass, arrow, humanize, sparkline,
  grainOf, shiftLabel, explorePath, SEASON,
} from './common.js';

const defaults = { scope: 'org', period: 'quarter' };
const state = readState(defaults);
let dims = new Dimensions();

const scopeSel = $('scope');
const periodSel = $('period');
const tilesBox = $('tiles');

function fillScopes() {
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
    // A scope the catalogue no longer knows (or an id typed into the URL): keep it selectable.
    scopeSel.append(el('option', { value: state.scope, text: state.scope }));
    scopeSel.value = state.scope;
  }
}

function explorerLink(id) {
  const [kind, value] = state.scope.split(':');
  const q = new URLSearchParams({ kpi: id, period: state.period });
  if (kind === 'team' || kind === 'rep') q.set(kind, value);
  return '/explore?' + q.toString();
}

/** section returns the category section, creating it at the right place. */
function section(category, index) {
  let s = tilesBox.querySelector(`section.category[data-category="${CSS.escape(category)}"]`);
  if (!s) {
    const hid = 'cat-' + category.replace(/[^a-z0-9]+/gi, '-');
    s = el('section', { class: 'category', 'aria-labelledby': hid, dataset: { category } },
      el('h2', { id: hid, text: humanize(category) }),
      el('ul', { class: 'tiles' }));
  }
  if (tilesBox.children[index] !== s) tilesBox.insertBefore(s, tilesBox.children[index] || null);
  return s;
}

function newTile(k) {
  return el('li', { class: 'tile', dataset: { kpi: k.id } },
    el('h3', { class: 'tile-name' }, el('a', { href: explorerLink(k.id), text: k.name || k.id })),
    el('p', { class: 'tile-value', 'data-role': 'value' }),
    el('p', { class: 'tile-change', 'data-role': 'change' }),
    el('div', { class: 'spark', 'data-role': 'spark', 'aria-hidden': 'true' }));
}

function updateTile(li, k, sc) {
  li.dataset.unit = k.unit || '';
  li.dataset.better = k.better === null || k.better === undefined ? '' : String(k.better);
  const link = li.querySelector('.tile-name a');
  link.textContent = k.name || k.id;
  link.href = explorerLink(k.id);
  li.querySelector('[data-role=value]').textContent = fmtValue(k.value, k.unit, true);
  li.querySelector('[data-role=value]').title = fmtValue(k.value, k.unit);

  const ch = li.querySelector('[data-role=change]');
  ch.className = 'tile-change ' + changeClass(k.better);
  const verdict = k.better === true ? ' (better)' : k.better === false ? ' (worse)' : '';
  const prevLabel = sc.previous?.label ? ` vs ${sc.previous.label}` : ' vs previous';
  ch.replaceChildren(
    el('span', { 'aria-hidden': 'true', text: arrow(k.change) + ' ' }),
    fmtChange(k.change, k.change_ratio, k.unit),
    el('span', { class: 'visually-hidden', text: verdict }),
    el('span', { class: 'muted', text: prevLabel }),
  );
  ch.title = `Previous: ${fmtValue(k.previous, k.unit)}`;
  sparkline(li.querySelector('[data-role=spark]'), k.spark || [], k.better);
}

function render(sc) {
  const p = sc.period || {};
  $('period-label').textContent = [
    p.label && `${p.label} (${fmtRange(p)})`,
    sc.previous?.label && `compared with ${sc.previous.label}`,
  ].filter(Boolean).join(', ');

  const kpis = sc.kpis || [];
  const categories = [...new Set(kpis.map((k) => k.category || 'other'))];
  const keep = new Set();
  categories.forEach((cat, ci) => {
    const ul = section(cat, ci).querySelector('ul');
    kpis.filter((k) => (k.category || 'other') === cat).forEach((k, i) => {
      let li = tilesBox.querySelector(`li.tile[data-kpi="${CSS.escape(k.id)}"]`);
      if (!li) li = newTile(k);
      if (ul.children[i] !== li) ul.insertBefore(li, ul.children[i] || null);
      updateTile(li, k, sc);
      keep.add(li);
    });
  });
  for (const li of tilesBox.querySelectorAll('li.tile')) if (!keep.has(li)) li.remove();
  for (const s of tilesBox.querySelectorAll('section.category')) {
    if (!categories.includes(s.dataset.category)) s.remove();
  }
  if (!kpis.length) setStatus('No KPI values for this scope and period yet. Import data on the Import page.');
  tilesBox.setAttribute('aria-busy', 'false');
}

async function load() {
  const sc = await api('/scorecard', { scope: state.scope, period: state.period });
  setStatus('');
  render(sc);
}

// ---- insights feed ---------------------------------------------------------------

const insightsBox = $('insights');
const insightsList = $('insights-list');
const insightsMore = $('insights-more');
const SHOWN = 6;
const SEVERITY = { bad: 'Bad', good: 'Good', info: 'Info' };
let insightsSeq = 0;
let insightsScope = null; // the scope the listed items are for
let showAll = false;

/** scopeFilters turns the scope into the API's dimension filters. */
function scopeFilters() {
  const [kind, value] = state.scope.split(':');
  return (kind === 'team' || kind === 'rep') && value ? { [kind]: value } : {};
}

function scopeName() {
  const [kind, value] = state.scope.split(':');
  if (kind === 'team' || kind === 'rep') return `${humanize(kind)}: ${dims.label(kind, value)}`;
  return 'the whole organisation';
}

function setInsightsState(s) {
  insightsBox.dataset.state = s;
  insightsBox.querySelector('[data-role=loading]').hidden = s !== 'loading';
  insightsBox.querySelector('[data-role=empty]').hidden = s !== 'empty';
  insightsBox.querySelector('[data-role=error]').hidden = s !== 'error';
  if (s === 'loading' || s === 'error') {
    insightsList.replaceChildren();
    insightsMore.hidden = true;
  }
}

/** insightItem draws one feed item with its links to the explorer. */
function insightItem(it, i) {
  const grain = grainOf(it.period);
  const filters = it.filters || {};
  const textId = `insight-${i}`;
  const links = [];
  if (it.kpi) {
    const at = it.kind === 'anomaly' || it.kind === 'goal' ? it.period : '';
    links.push(el('a', {
      'data-role': 'open', href: explorePath({ kpi: it.kpi, grain, filters, at }), 'aria-describedby': textId, text: 'Open in Explore',
    }));
    if ((it.kind === 'anomaly' || it.kind === 'trend') && grain) {
      // An anomaly against the period before it; a trend across a year, which
      // also keeps the season out of the comparison.
      const from = shiftLabel(it.period, it.kind === 'trend' ? -SEASON[grain] : -1);
      links.push(el('a', {
        'data-role': 'explain', href: explorePath({ kpi: it.kpi, grain, filters, explain: { from, to: it.period } }),
        'aria-describedby': textId, text: `Explain ${from} → ${it.period}`,
      }));
    }
  }
  return el('li', { class: 'insight', dataset: { kind: it.kind, severity: it.severity, kpi: it.kpi || '', period: it.period || '' } },
    el('span', { class: 'severity', 'data-role': 'severity', text: SEVERITY[it.severity] || humanize(it.severity) }),
    el('div', { class: 'insight-body' },
      el('p', { class: 'insight-text', id: textId, 'data-role': 'text', text: it.text }),
      el('p', { class: 'insight-meta' },
        el('span', { class: 'muted', 'data-role': 'meta', text: [humanize(it.kind), it.period].filter(Boolean).join(' · ') }),
        ...links)));
}

function renderInsights(items) {
  keepFocus(insightsBox, () => {
    insightsList.replaceChildren(...items.map(insightItem));
    const more = items.length > SHOWN;
    [...insightsList.children].forEach((li, i) => { li.hidden = more && !showAll && i >= SHOWN; });
    insightsMore.hidden = !more;
    insightsMore.textContent = showAll ? `Show the first ${SHOWN}` : `Show all ${items.length}`;
    insightsMore.setAttribute('aria-expanded', String(more && showAll));
    setInsightsState(items.length ? 'ready' : 'empty');
  });
}

/**
 * loadInsights fetches the feed for the scope. A new scope clears the list
 * and shows the loading state; a live refresh keeps the items until the new
 * ones arrive.
 */
async function loadInsights() {
  const mine = ++insightsSeq;
  const scope = state.scope;
  $('insights-scope').textContent = `Monthly, for ${scopeName()}: unusual months, significant trends, goals at risk and open alerts, bad news first.`;
  if (insightsScope !== scope || insightsBox.dataset.state === 'error') {
    showAll = false;
    setInsightsState('loading');
  }
  insightsBox.setAttribute('aria-busy', 'true');
  try {
    const res = await api('/insights', scopeFilters());
    if (mine !== insightsSeq) return;
    insightsScope = scope;
    renderInsights(res.items || []);
  } catch (err) {
    if (mine !== insightsSeq) return;
    console.error(err);
    insightsScope = null;
    insightsBox.querySelector('[data-role=error]').textContent = `The insights could not be loaded: ${err instanceof Error ? err.message : String(err)}`;
    setInsightsState('error');
  } finally {
    if (mine === insightsSeq) insightsBox.setAttribute('aria-busy', 'false');
  }
}

insightsMore.addEventListener('click', () => {
  showAll = !showAll;
  const more = insightsList.children.length > SHOWN;
  [...insightsList.children].forEach((li, i) => { li.hidden = more && !showAll && i >= SHOWN; });
  insightsMore.textContent = showAll ? `Show the first ${SHOWN}` : `Show all ${insightsList.children.length}`;
  insightsMore.setAttribute('aria-expanded', String(showAll));
});

// ---- loading ------------------------------------------------------------------------

async function refresh() {
  try {
    dims = await Dimensions.load();
    fillScopes();
  } catch (err) {
    loadInsights(); // the feed does not need the names
    throw err;
  }
  await Promise.all([load(), loadInsights()]);
}

function onChange() {
  const scopeChanged = state.scope !== scopeSel.value;
  state.scope = scopeSel.value;
  state.period = periodSel.value;
  writeState(state, defaults);
  load().catch(showError);
  if (scopeChanged) loadInsights();
}

periodSel.value = state.period;
scopeSel.value = state.scope;
$('controls').addEventListener('change', onChange);
$('controls').addEventListener('submit', (e) => {
  e.preventDefault();
  onChange();
});
refresh().catch(showError);
live(refresh);
