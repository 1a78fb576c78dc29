// The fanyi dashboard (seed 000 §8.2): polls the REST API every few seconds. Everything shown is
// built with textContent, never innerHTML: workbook texts are untrusted input.
import { drawThroughput } from './charts.js';

/** Seconds between polls: the server's `system.monitoring_interval`, written into the page's meta tag. */
const POLL_MS = 1000 * (Number(document.querySelector('meta[name="fanyi-refresh-seconds"]')?.content) || 3);
const TOKEN_KEY = 'fanyi.token';
const $ = (id) => document.getElementById(id);
const state = { jobId: new URLSearchParams(location.search).get('job'), timer: 0 };

/** fetch with the bearer token when one was given; throws an Error with the API's message. */
async function api(path, init = {}) {
  const headers = { ...(init.headers ?? {}), ...authHeader() };
  const answer = await fetch(path, { ...init, headers });
  if (!answer.ok) {
    const problem = await answer.json().catch(() => ({}));
    throw new Error(answer.status === 401 ? 'this server needs a bearer token: paste yours above' : (problem.message ?? `${answer.status} ${answer.statusText}`));
  }
  return answer;
}
const getJson = async (path) => (await api(path)).json();

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child ?? ''));
  return node;
}

function table(target, head, rows) {
  target.replaceChildren(el('tr', {}, ...head.map((h) => el('th', {}, h))), ...rows.map((cells) => el('tr', {}, ...cells.map((c) => (c instanceof Node ? c : el('td', {}, c))))));
}

const pct = (n, total) => (total ? `${((100 * n) / total).toFixed(1)}%` : '–');
const num = (v, digits = 1) => (v === null || v === undefined ? '–' : Number(v).toFixed(digits));
const clock = (ms) => new Date(ms).toLocaleTimeString();

function showError(message) {
  $('error').hidden = !message;
  $('error').textContent = message ?? '';
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  return seconds < 3600 ? `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s` : `${(seconds / 3600).toFixed(1)} h`;
}

async function renderJobs() {
  const { jobs } = await getJson('/api/v3/jobs?limit=50');
  $('jobs').replaceChildren(
    ...jobs.map((job) =>
      el('li', { class: job.session_id === state.jobId ? 'selected' : '', 'data-job': job.session_id, onclick: () => select(job.session_id) },
        el('span', { class: 'name', title: job.session_id }, job.source_name),
        el('span', { class: 'kind' }, job.kind),
        el('span', { class: 'lane', title: 'queue lane' }, job.lane),
        el('span', { class: `badge ${job.status}` }, job.status)),
    ),
  );
  if (!state.jobId && jobs.length) state.jobId = jobs[0].session_id;
}

/**
 * The `fanyi worker` processes online (GET /api/v3/workers), across every job: shown when this
 * server enqueues to a queue or some worker shares its store. Names, hosts and lanes are what
 * each worker was started with (`--name`): text like the rest.
 */
async function renderCluster() {
  const { queue, workers } = await getJson('/api/v3/workers');
  $('cluster').hidden = !queue && !workers.length;
  $('cluster-queue').textContent = queue ? `queue ${queue}` : 'no queue: jobs run in the server process';
  table($('cluster-workers'), ['Name', 'Host', 'Lanes', 'Batches', 'Heartbeat'], workers.map((w) => [
    el('td', { class: 'name', title: w.worker_id }, w.name),
    w.host,
    w.lanes.join(', '),
    el('td', { title: w.current_batches.map((b) => `${b.jobId} ${b.batchId}`).join('\n') }, `${w.current_batches.length}/${w.concurrency}`),
    `${Math.round(w.heartbeat_age_ms / 1000)} s ago`,
  ]));
  if (!workers.length) $('cluster-workers').append(el('tr', {}, el('td', { class: 'muted' }, 'no worker online: start one with fanyi worker')));
}

function renderOverview(s) {
  const p = s.progress;
  const rows = [['Total', p.total], ['Completed', p.completed], ['Processing', p.processing], ['Pending', p.pending], ['Failed', p.failed], ['Needs review', p.needs_review]];
  $('overview').replaceChildren(...rows.flatMap(([label, n]) => [el('dt', {}, label), el('dd', { 'data-count': label.toLowerCase().replace(' ', '_') }, label === 'Total' ? n : `${n} (${pct(n, p.total)})`)]));
  const st = s.statistics;
  const perf = [
    ['Avg call duration', st.avg_duration_ms === null ? '–' : `${(st.avg_duration_ms / 1000).toFixed(2)} s`],
    ['Throughput', st.throughput_per_min === null ? '–' : `${num(st.throughput_per_min)} tasks/min`],
    ['Avg confidence', num(st.avg_confidence, 2)],
    ['Quality score', num(st.avg_quality_score, 1)],
    ['API calls', st.api_calls_count],
    ['Tokens', st.token_usage_total],
    ['Error / retry rate', `${pct(st.error_rate, 1)} / ${pct(st.retry_rate, 1)}`],
  ];
  $('performance').replaceChildren(...perf.flatMap(([label, v]) => [el('dt', {}, label), el('dd', {}, v)]));
}

function renderHead(s) {
  $('job').hidden = false;
  $('session').textContent = `Session: ${s.session_id}`;
  $('job-name').textContent = s.source_name;
  $('job-kind').textContent = s.kind;
  $('job-lane').textContent = s.lane;
  // A map job's results can be counted into a report workbook; a translation has nothing to count.
  $('report').hidden = s.kind !== 'map';
  $('job-status').textContent = s.status;
  $('job-status').className = `badge ${s.status}`;
  $('job-error').textContent = s.error ?? '';
  const open = !['completed', 'cancelled'].includes(s.status);
  $('pause').disabled = !['queued', 'running'].includes(s.status);
  $('resume').disabled = !open || s.status === 'running';
  $('cancel').disabled = !open;
  const rate = Math.round(s.progress.completion_rate * 1000) / 10;
  $('progress-fill').style.width = `${rate}%`;
  $('progress').setAttribute('aria-valuenow', String(rate));
  $('progress-text').textContent = `${rate}%`;
  $('eta').textContent = s.status === 'completed' ? 'done' : `ETA ${duration(s.eta_seconds)}`;
}

/** Per-group pause/resume (seed 000 §3.2.3); nothing to do once the group or the job is over. */
function groupButton(group, jobOpen) {
  const action = group.paused ? 'resume' : 'pause';
  const over = !jobOpen || group.completed + group.failed + group.needs_review === group.total;
  const button = el('button', { onclick: () => control(action, group.group_id) }, group.paused ? 'Resume' : 'Pause');
  button.disabled = over && !group.paused;
  return el('td', {}, button);
}

function renderGroups(status) {
  const jobOpen = !['completed', 'cancelled', 'failed'].includes(status.status);
  table($('groups'), ['Group', 'Done', 'Failed', 'Review', ''], status.groups.map((g) => [
    `${g.group_id}${g.paused ? ' (paused)' : ''}`, `${g.completed + g.failed + g.needs_review}/${g.total}`, g.failed, g.needs_review, groupButton(g, jobOpen),
  ]));
}

function renderActivity(a) {
  // Worker ids are `host:pid:n`; the seed's layout names them Worker_n.
  const workers = a.workers.map((w) => el('li', { title: w.worker_id ?? '' }, `Worker_${(w.worker_id ?? '?').split(':').pop()}: [processing] ${w.batch_id}`));
  $('workers').replaceChildren(...(workers.length ? workers : [el('li', { class: 'muted' }, 'no batch claimed right now')]));
  // The call and the wait at the limiter before it apart: summed, a tight rate limit looks like a slow provider.
  const pair = (p50, p95) => (p50 === null ? '–' : `${p50}/${p95} ms`);
  table($('endpoints'), ['Endpoint', 'Calls', '429s', 'Errors', 'Call p50/p95', 'Limiter wait p50/p95'], a.endpoints.map((e) => [
    `${e.endpoint} (${e.model})`, e.calls, e.rate_limited, e.errors, pair(e.p50_ms, e.p95_ms), pair(e.wait_p50_ms, e.wait_p95_ms),
  ]));
  $('events').replaceChildren(...a.events.slice().reverse().map((e) => el('li', {}, `${clock(Date.parse(e.at))} ${e.message}`)));
  table($('recent'), ['Time', 'Task', 'Cell', 'Field', 'Status', 'Confidence'], a.recent_tasks.map((t) => [clock(t.end_time), t.task_id, `${t.sheet_name}!${t.cell_ref} → ${t.target_lang}`, t.field ?? '', t.status, num(t.confidence, 2)]));
  drawThroughput($('chart'), a.throughput);
}

/** The text field of a game-data sheet a task's context names (`detail`); '' for string tables. */
function contextField(json) {
  try {
    const field = json ? JSON.parse(json).field : undefined;
    return typeof field === 'string' ? field : '';
  } catch {
    return '';
  }
}

function renderReview(page) {
  table($('review'), ['Cell', 'Field', 'Source', 'Result', 'Flags'], page.tasks.map((t) => [
    `${t.sheet_name}!${t.cell_ref} → ${t.target_lang}`,
    contextField(t.source_context),
    el('td', { class: 'text' }, t.source_text),
    el('td', { class: 'text' }, t.result ?? ''),
    el('td', {}, ...(t.qa_flags ?? []).map((f) => el('span', { class: 'flag' }, f))),
  ]));
  if (!page.tasks.length) $('review').append(el('tr', {}, el('td', { class: 'muted' }, 'nothing needs review')));
}

async function renderJob() {
  if (!state.jobId) return;
  const id = encodeURIComponent(state.jobId);
  const [status, activity, review] = await Promise.all([
    getJson(`/api/monitor/status/${id}`),
    getJson(`/api/monitor/activity/${id}`),
    getJson(`/api/v3/tasks/${id}?status=needs_review&page_size=20`),
  ]);
  renderHead(status);
  renderOverview(status);
  renderGroups(status);
  renderActivity(activity);
  renderReview(review);
}

async function poll() {
  clearTimeout(state.timer);
  try {
    await renderJobs();
    await renderCluster();
    await renderJob();
    showError();
    $('polled').textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (error) {
    showError(error.message);
  }
  state.timer = setTimeout(poll, POLL_MS);
}

function select(jobId) {
  state.jobId = jobId;
  history.replaceState(null, '', `?job=${encodeURIComponent(jobId)}`);
  void poll();
}

async function control(action, group) {
  const query = group ? `?group=${encodeURIComponent(group)}` : '';
  try {
    await api(`/api/v3/${action}/${encodeURIComponent(state.jobId)}${query}`, { method: 'POST' });
  } catch (error) {
    showError(error.message);
  }
  void poll();
}

async function uploadAndStart(event) {
  event.preventDefault();
  const file = $('upload-file').files[0];
  if (!file) return;
  const form = new FormData();
  form.append('file', file, file.name);
  $('upload-start').disabled = true;
  $('upload-note').textContent = `uploading ${file.name}…`;
  try {
    const upload = await (await api('/api/v3/upload', { method: 'POST', body: form })).json();
    const to = $('upload-to').value.trim();
    const options = to ? { to: to.split(',').map((s) => s.trim()).filter(Boolean) } : {};
    const body = JSON.stringify({ session_id: upload.session_id, options });
    const started = await (await api('/api/v3/translate', { method: 'POST', headers: { 'content-type': 'application/json' }, body })).json();
    // With a queue the answer comes before the file is split: the tasks are counted on the ingestion lane.
    $('upload-note').textContent = started.status === 'analyzing' ? 'started: analysing on a worker' : `started ${started.task_count} tasks (≈ ${duration(started.estimated_time)})`;
    select(upload.session_id);
  } catch (error) {
    $('upload-note').textContent = '';
    showError(error.message);
  } finally {
    $('upload-start').disabled = false;
  }
}

/** Fetched with the token, then handed to the browser as a file: a plain link could not carry the header. */
async function saveFile(path, fallbackName) {
  const answer = await api(path);
  const name = /filename="([^"]+)"/.exec(answer.headers.get('content-disposition') ?? '')?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await answer.blob());
  el('a', { href: url, download: name }).click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function download() {
  try {
    await saveFile(`/api/v3/export/${encodeURIComponent(state.jobId)}`, 'translated.xlsx');
  } catch (error) {
    showError(error.message);
  }
}

/** Makes a report of the map job (in the server, or queued on the reports lane: then waited for) and downloads it. */
async function report() {
  const path = `/api/v3/jobs/${encodeURIComponent(state.jobId)}/report`;
  $('report').disabled = true;
  try {
    const made = await (await api(path, { method: 'POST' })).json();
    while (made.status === 'queued') {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const head = await fetch(path, { method: 'HEAD', headers: authHeader() });
      if (head.status !== 409) break;
    }
    await saveFile(path, 'report.xlsx');
  } catch (error) {
    showError(error.message);
  } finally {
    $('report').disabled = false;
  }
}

function authHeader() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { authorization: `Bearer ${token}` } : {};
}

function init() {
  $('interval').textContent = String(POLL_MS / 1000);
  $('token').value = sessionStorage.getItem(TOKEN_KEY) ?? '';
  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const token = $('token').value.trim();
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
    void poll();
  });
  $('upload-form').addEventListener('submit', uploadAndStart);
  for (const action of ['pause', 'resume', 'cancel']) $(action).addEventListener('click', () => control(action));
  $('download').addEventListener('click', download);
  $('report').addEventListener('click', report);
  void poll();
}

init();
