// Import: upload canonical CSV files (multipart field "file", repeatable) to
// /api/v1/import and show what was merged, or every problem that stopped it.
//
// DOM hooks:
//   #import-form, #file (input type=file multiple), #upload (button)
//   #upload-progress               upload progress (hidden when idle)
//   #import-result[hidden][data-outcome]  "ok", "invalid", "too-large" or "error"
//     #result-message[data-role=message]  one-line outcome
//     #merged tbody tr[data-entity=<entity>]: td[data-role=rows], td[data-role=replaced]
//     #warnings li[data-role=warning]
//     #problems li[data-role=problem]  "file:line: column: message", one per problem
import { $, API, el, live } from './common.js';

const form = $('import-form');
const input = $('file');
const button = $('upload');
const progress = $('upload-progress');

/** post sends the form data with XMLHttpRequest, for upload progress. */
function post(data) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', API + '/import');
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) progress.value = Math.round((100 * e.loaded) / e.total);
    });
    xhr.addEventListener('load', () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      resolve({ status: xhr.status, body });
    });
    xhr.addEventListener('error', () => reject(new Error('The upload failed: the server could not be reached.')));
    xhr.addEventListener('abort', () => reject(new Error('The upload was cancelled.')));
    xhr.send(data);
  });
}

/** problemText formats a problem as file:line: column: message (parts that are missing left out). */
export function problemText(p) {
  if (typeof p === 'string') return p;
  const loc = [p.file, p.line].filter((x) => x !== undefined && x !== null && x !== '').join(':');
  return [loc, p.column, p.message].filter((x) => x !== undefined && x !== null && x !== '').join(': ');
}

function show(outcome, message, { merged = null, warnings = [], problems = [] } = {}) {
  const box = $('import-result');
  box.dataset.outcome = outcome;
  $('result-message').textContent = message;

  const entities = merged ? Object.entries(merged) : [];
  $('merged').tBodies[0].replaceChildren(...entities.map(([entity, m]) => el('tr', { dataset: { entity } },
    el('th', { scope: 'row', text: entity }),
    el('td', { class: 'num', 'data-role': 'rows', text: String(m?.rows ?? '') }),
    el('td', { class: 'num', 'data-role': 'replaced', text: String(m?.replaced ?? '') }))));
  $('merged-wrap').hidden = entities.length === 0;

  $('warnings').replaceChildren(...warnings.map((w) => el('li', { 'data-role': 'warning', text: problemText(w) })));
  $('warnings-wrap').hidden = warnings.length === 0;

  $('problems').replaceChildren(...problems.map((p) => el('li', { 'data-role': 'problem', text: problemText(p) })));
  $('problems-wrap').hidden = problems.length === 0;

  box.hidden = false;
  $('result-heading').focus();
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  if (!input.files.length) {
    input.focus();
    return;
  }
  const data = new FormData();
  for (const f of input.files) data.append('file', f, f.name);
  button.disabled = true;
  progress.hidden = false;
  progress.value = 0;
  try {
    const { status, body } = await post(data);
    const err = body?.error || {};
    if (status === 200) {
      const merged = body?.merged || {};
      const rows = Object.values(merged).reduce((n, m) => n + (m?.rows || 0), 0);
      const n = Object.keys(merged).length;
      show('ok', `Imported ${rows} ${rows === 1 ? 'row' : 'rows'} into ${n} ${n === 1 ? 'entity' : 'entities'}.`, { merged, warnings: body?.warnings || [] });
      form.reset();
    } else if (status === 413) {
      show('too-large', `The upload is too large${err.message ? ` (${err.message})` : ''}: split it into smaller files, or raise the server's --max-upload limit.`);
    } else if (status === 400 && (err.problems || []).length) {
      show('invalid', err.message || `${err.problems.length} problem(s); nothing was changed.`, { problems: err.problems });
    } else {
      show('error', err.message || `The import failed (HTTP ${status}).`);
    }
  } catch (ex) {
    show('error', ex.message);
  } finally {
    button.disabled = false;
    progress.hidden = true;
  }
});

// Nothing here is drawn from data; the stream keeps the live indicator honest.
live(() => {});
