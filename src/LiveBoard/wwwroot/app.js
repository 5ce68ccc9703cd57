// Top of Heart wall board. Plain ES module, no build step; `signalR` is the global of @microsoft/signalr's browser bundle.

const HUB_PATH = 'hubs/board'; // relative: works behind a reverse proxy that mounts the board under a prefix
const SEVERITIES = ['critical', 'high', 'medium', 'low'];
const STATUS_RANK = { open: 0, acknowledged: 1, resolved: 2 };
const RECONCILE_EVERY_MS = 30_000; // a safety net: pushes keep the list current, this heals any gap
const STALE_AFTER_MS = 3_000;
const RATE_SAMPLES = 90;
// Cards on the wall at most. A storm (100,000 batons due at once) would otherwise build a card per alert and re-sort
// them all per batch; the counts and the note still cover every alert, the list shows the most urgent.
const MAX_CARDS = 200;
const SPARK_MIN_SLOTS = 20;

const $ = (selector) => document.querySelector(selector);

const state = {
  department: '',
  alerts: new Map(), // alertId -> alert
  cards: new Map(), // alertId -> <li>
  pushLog: null, // alerts pushed while a hydration is in flight
  rates: [],
  skewMs: null, // server clock minus browser clock, from snapshots (see noteServerClock)
  skewSamples: [], // [{ skew, seen }] of the last SKEW_WINDOW_MS
  lastSnapshotAt: 0,
  lastSnapshotStamp: null, // the `at` of the last snapshot that set skewMs
  knownDepartments: new Set(),
  connection: null,
  authRequired: false,
  scope: null, // a department supervisor's department: the board shows only it
};

const KEY_STORAGE = 'topofheart.key'; // sessionStorage: this tab only, gone when it closes

/** The key the hub needs when the LiveBoard has TopOfHeart:Auth:Keys; null when it is open. */
function accessToken() {
  return state.authRequired ? sessionStorage.getItem(KEY_STORAGE) : null;
}

function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) el.append(child);
  }
  return el;
}

// ---------------------------------------------------------------- formatting

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });

function serverNow() {
  return Date.now() + (state.skewMs ?? 0);
}

function formatAge(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const two = (n) => String(n).padStart(2, '0');
  if (days > 0) return `${days}d ${two(hours)}h`;
  if (hours > 0) return `${hours}:${two(minutes)}:${two(seconds)}`;
  return `${two(minutes)}:${two(seconds)}`;
}

function formatSeconds(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

function formatRate(rate) {
  return rate < 10 ? oneDecimal.format(rate) : integer.format(rate);
}

function humanKind(kind) {
  const words = kind.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

// ---------------------------------------------------------------- alerts

function isNewer(candidate, current) {
  const byStatus = (STATUS_RANK[candidate.status] ?? 0) - (STATUS_RANK[current.status] ?? 0);
  if (byStatus !== 0) return byStatus > 0;
  return Date.parse(candidate.updatedAt ?? 0) >= Date.parse(current.updatedAt ?? 0);
}

function inScope(alert) {
  return !state.department || alert.department === state.department;
}

/** Takes one pushed alert into the list; true when the list changed. A raise new to the board goes into `fresh`. */
function apply(alert, raised, fresh) {
  if (!inScope(alert)) return false;
  if (state.pushLog) {
    const logged = state.pushLog.get(alert.alertId);
    if (!logged || isNewer(alert, logged)) state.pushLog.set(alert.alertId, alert);
  }
  const current = state.alerts.get(alert.alertId);
  if (current && !isNewer(alert, current)) return false;
  if (alert.status === 'resolved') state.alerts.delete(alert.alertId);
  else state.alerts.set(alert.alertId, alert);
  if (raised && !current) fresh.add(alert.alertId);
  return true;
}

function receive(alert, raised) {
  receiveAll([alert], raised);
}

/** alertsRaised / alertsUpdated: a silo batch at once, rendered once however many alerts it holds. */
function receiveAll(alerts, raised) {
  const fresh = new Set();
  let changed = false;
  for (const alert of alerts) changed = apply(alert, raised, fresh) || changed;
  if (changed) scheduleRender(fresh);
}

// Batches that arrive within one frame share one render (a storm brings dozens a second); a timer backs up the frame
// callback, which a browser holds back while the tab is hidden.
let renderQueued = false;
let freshQueued = new Set();
function scheduleRender(fresh) {
  for (const id of fresh) freshQueued.add(id);
  if (renderQueued) return;
  renderQueued = true;
  const run = () => {
    if (!renderQueued) return;
    renderQueued = false;
    const ids = freshQueued;
    freshQueued = new Set();
    renderAlerts(ids);
  };
  requestAnimationFrame(run);
  setTimeout(run, 250);
}

/** Replaces the list with the cluster's, keeping whatever was pushed while the question was out. */
async function hydrate() {
  const connection = state.connection;
  if (!connection || connection.state !== signalR.HubConnectionState.Connected) return;
  const pushed = new Map();
  state.pushLog = pushed;
  let listed;
  try {
    listed = await connection.invoke('GetOpenAlerts', state.department || null);
  } finally {
    if (state.pushLog === pushed) state.pushLog = null;
  }

  const next = new Map(listed.filter(inScope).map((a) => [a.alertId, a]));
  for (const [id, alert] of pushed) {
    const known = next.get(id);
    if (!known || isNewer(alert, known)) next.set(id, alert);
  }
  for (const [id, alert] of next) {
    if (alert.status === 'resolved') next.delete(id);
  }
  state.alerts = next;
  renderAlerts();
}

const raisedMs = new WeakMap(); // alert -> raisedAt parsed once: a storm sorts many thousands of them
function raisedAtMs(alert) {
  let ms = raisedMs.get(alert);
  if (ms === undefined) raisedMs.set(alert, ms = Date.parse(alert.raisedAt));
  return ms;
}

function compareAlerts(a, b) {
  const bySeverity = SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity);
  if (bySeverity !== 0) return bySeverity;
  const byStatus = (STATUS_RANK[a.status] ?? 0) - (STATUS_RANK[b.status] ?? 0);
  if (byStatus !== 0) return byStatus;
  return raisedAtMs(b) - raisedAtMs(a) || (a.alertId < b.alertId ? -1 : 1);
}

function relayOf(alert) {
  const dept = (name) => h('span', { class: name === alert.department ? 'dept responsible' : 'dept', text: name });
  const parts = alert.fromDepartment && alert.toDepartment
    ? [dept(alert.fromDepartment), h('span', { class: 'arrow', text: '→' }), dept(alert.toDepartment)]
    : [dept(alert.department)];
  return h('div', { class: 'relay' }, parts, h('span', { class: 'case', text: `${alert.caseId} · ${alert.customerId}` }));
}

function actionsOf(alert) {
  if (alert.status === 'acknowledged') {
    return h('span', { class: 'ack-state', text: `✓ ${alert.acknowledgedBy ?? 'acknowledged'}` });
  }
  return h('button', { class: 'ack', type: 'button', onclick: () => acknowledge(alert.alertId) }, 'Acknowledge');
}

function fillCard(li, alert) {
  li.className = `alert sev-${alert.severity} ${alert.status}${li.classList.contains('fresh') ? ' fresh' : ''}`;
  li.dataset.status = alert.status;
  li.dataset.department = alert.department;
  li.dataset.raisedAt = alert.raisedAt;
  const title = h('div', { class: 'alert-title' },
    h('span', { class: 'sev-badge', text: alert.severity }),
    h('span', { class: 'kind', text: humanKind(alert.kind) }),
    alert.escalationLevel > 0 ? h('span', { class: 'escalated', text: `escalated ×${alert.escalationLevel}` }) : null);
  const age = h('time', { class: 'age', datetime: alert.raisedAt, title: `raised ${new Date(alert.raisedAt).toLocaleString()}` },
    formatAge(serverNow() - Date.parse(alert.raisedAt)));
  li.replaceChildren(title, age, relayOf(alert), h('p', { class: 'message', text: alert.message, title: alert.message }),
    h('div', { class: 'alert-actions' }, actionsOf(alert)));
  li.dataset.version = `${alert.status}|${alert.updatedAt}|${alert.escalationLevel}`;
}

/** `fresh`: ids of alerts just raised, highlighted when their card is new. Cards: the MAX_CARDS most urgent. */
function renderAlerts(fresh = new Set()) {
  const list = $('#alerts');
  const ordered = [...state.alerts.values()].sort(compareAlerts);
  const shown = ordered.slice(0, MAX_CARDS);
  const shownIds = new Set(shown.map((a) => a.alertId));

  for (const [id, li] of state.cards) {
    if (!shownIds.has(id)) {
      state.cards.delete(id);
      li.classList.add('leaving');
      li.addEventListener('animationend', () => li.remove(), { once: true });
      setTimeout(() => li.remove(), 800);
    }
  }

  let anchor = list.firstElementChild;
  for (const alert of shown) {
    let li = state.cards.get(alert.alertId);
    if (!li) {
      li = h('li', { dataset: { alertId: alert.alertId } });
      if (fresh.has(alert.alertId)) {
        li.classList.add('fresh');
        setTimeout(() => li.classList.remove('fresh'), 1700);
      }
      state.cards.set(alert.alertId, li);
    }
    if (li.dataset.version !== `${alert.status}|${alert.updatedAt}|${alert.escalationLevel}`) fillCard(li, alert);
    while (anchor && anchor.classList.contains('leaving')) anchor = anchor.nextElementSibling;
    if (anchor !== li) list.insertBefore(li, anchor);
    else anchor = anchor.nextElementSibling;
  }

  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0]));
  let acknowledged = 0;
  for (const alert of ordered) {
    if (alert.status === 'open') counts[alert.severity] = (counts[alert.severity] ?? 0) + 1;
    else acknowledged += 1;
  }
  for (const severity of SEVERITIES) $(`#count-${severity}`).textContent = integer.format(counts[severity]);
  const open = ordered.length - acknowledged;
  $('#alerts-note').textContent = ordered.length === 0 ? 'all clear'
    : `${integer.format(open)} open · ${integer.format(acknowledged)} acknowledged`
      + (ordered.length > shown.length ? ` · the ${integer.format(shown.length)} most urgent shown` : '');
  $('#alerts-empty').hidden = ordered.length > 0;
  list.classList.toggle('overflowing', list.scrollHeight > list.clientHeight + 2);
}

async function acknowledge(alertId) {
  const by = $('#supervisor').value.trim();
  if (!by) {
    toast('Type your supervisor id (top right) before acknowledging.');
    $('#supervisor').focus();
    return;
  }
  const button = state.cards.get(alertId)?.querySelector('button.ack');
  if (button) button.disabled = true;
  try {
    const updated = await state.connection.invoke('Acknowledge', alertId, by);
    receive(updated, false);
  } catch (error) {
    if (button) button.disabled = false;
    toast(hubMessage(error));
  }
}

function tickAges() {
  const now = serverNow();
  for (const age of document.querySelectorAll('#alerts .age')) {
    age.textContent = formatAge(now - Date.parse(age.getAttribute('datetime')));
  }
}

// ---------------------------------------------------------------- board snapshot

// A snapshot's `at` minus the browser's clock when it arrives is the clocks' difference less the time the snapshot
// took to come (the floor's answer, the hub's tick, the socket): never more than the true difference. So the board
// takes the largest of the last minute's samples, the one that came quickest. An average would keep the delays: a
// board whose first snapshot came seconds late (a busy server, the latest snapshot sent on connect) showed ages
// seconds short, new alerts stuck at 00:00. The window lets a clock that is set back be followed within a minute.
const SKEW_WINDOW_MS = 60_000;
function noteServerClock(serverMs) {
  if (Number.isNaN(serverMs)) return;
  const seen = Date.now();
  const samples = state.skewSamples.filter((s) => seen - s.seen <= SKEW_WINDOW_MS);
  samples.push({ skew: serverMs - seen, seen });
  state.skewSamples = samples;
  state.skewMs = Math.max(...samples.map((s) => s.skew));
}

function renderSnapshot(snapshot) {
  state.lastSnapshotAt = Date.now();
  // A snapshot sent again while the cluster is slow keeps its old `at`: it says nothing about the server's clock.
  if (snapshot.at !== state.lastSnapshotStamp) {
    state.lastSnapshotStamp = snapshot.at;
    noteServerClock(Date.parse(snapshot.at));
  }
  if (state.connection?.state === signalR.HubConnectionState.Connected) setConnection('live');

  $('#kpi-rate').textContent = formatRate(snapshot.eventsPerSecond);
  $('#kpi-total').textContent = `${integer.format(snapshot.eventsTotal)} events so far`;
  $('#kpi-cases').textContent = integer.format(snapshot.openCases);
  $('#kpi-batons').textContent = integer.format(snapshot.batonsInFlight);
  renderHappier(snapshot);
  renderSparkline(snapshot.eventsPerSecond);

  const departments = new Set(snapshot.departments.map((d) => d.department));
  for (const cell of snapshot.matrix) {
    departments.add(cell.from);
    departments.add(cell.to);
  }
  renderDepartmentPicker(departments);
  renderMatrix(snapshot.matrix);
  renderDepartments(snapshot.departments);
  renderRecognition(snapshot.recognition);
}

function renderHappier(snapshot) {
  if (snapshot.happierShare === null || snapshot.happierShare === undefined) {
    $('#kpi-happier').textContent = '–';
    $('#happier-bar').style.width = '0';
    $('#kpi-happier-note').textContent = 'no customer measured yet';
    return;
  }
  const percent = Math.round(snapshot.happierShare * 100);
  $('#kpi-happier').textContent = `${percent}%`;
  $('#happier-bar').style.width = `${percent}%`;
  $('#kpi-happier-note').textContent =
    `${integer.format(snapshot.customersHappier)} of ${integer.format(snapshot.customersMeasured)} customers measured`;
}

function renderSparkline(rate) {
  state.rates.push(rate);
  if (state.rates.length > RATE_SAMPLES) state.rates.shift();
  const max = Math.max(1, ...state.rates) * 1.1;
  const slots = Math.max(SPARK_MIN_SLOTS, state.rates.length); // a young chart fills the box instead of hugging its edge
  const step = 300 / (slots - 1);
  const offset = (slots - state.rates.length) * step;
  const points = state.rates.map((r, i) => `${(offset + i * step).toFixed(1)},${(60 - (r / max) * 58).toFixed(1)}`);
  $('#sparkline .spark-line').setAttribute('points', points.join(' '));
  const area = points.length > 1 ? `M${offset.toFixed(1)},60 L${points.join(' L')} L300,60 Z` : '';
  $('#sparkline .spark-area').setAttribute('d', area);
}

function renderDepartmentPicker(departments) {
  let changed = false;
  for (const d of departments) {
    if (!state.knownDepartments.has(d)) {
      state.knownDepartments.add(d);
      changed = true;
    }
  }
  if (state.department && !state.knownDepartments.has(state.department)) {
    state.knownDepartments.add(state.department);
    changed = true;
  }
  if (!changed) return;
  const select = $('#department');
  const names = [...state.knownDepartments].sort((a, b) => a.localeCompare(b));
  select.replaceChildren(h('option', { value: '', text: 'All departments' }), ...names.map((n) => h('option', { value: n, text: n })));
  select.value = state.department;
}

function renderMatrix(cells) {
  const matrix = $('#matrix');
  const names = [...new Set(cells.flatMap((c) => [c.from, c.to]))].sort((a, b) => a.localeCompare(b));
  $('#matrix-empty').hidden = names.length > 0;
  if (names.length === 0) {
    matrix.replaceChildren();
    return;
  }
  const byPair = new Map(cells.map((c) => [`${c.from}\u0000${c.to}`, c]));
  const max = Math.max(1, ...cells.map((c) => c.count));
  const selected = (name) => (name === state.department ? ' selected' : '');

  const grid = [h('div', { class: 'head corner' })];
  for (const to of names) grid.push(h('div', { class: `head col-head${selected(to)}`, title: `to ${to}`, text: to }));
  for (const from of names) {
    grid.push(h('div', { class: `head row-head${selected(from)}`, title: `from ${from}`, text: from }));
    for (const to of names) {
      if (from === to) {
        grid.push(h('div', { class: 'cell self' }));
        continue;
      }
      const cell = byPair.get(`${from}\u0000${to}`);
      const count = cell?.count ?? 0;
      const failed = cell?.failed ?? 0;
      const div = h('div', { class: failed > 0 ? 'cell failing' : 'cell', title: `${from} → ${to}: ${count} passed, ${failed} dropped or refused` },
        count > 0 ? h('span', { class: 'passed', text: integer.format(count) }) : null,
        failed > 0 ? h('span', { class: 'dropped', text: `${integer.format(failed)} dropped` }) : null);
      if (count > 0) {
        // Volume in teal (square root, so a busy pair does not wash out the rest); failures as a red frame.
        const heat = Math.sqrt(count / max);
        div.style.backgroundColor = `hsl(172 ${(35 + heat * 30).toFixed(0)}% ${(15 + heat * 22).toFixed(0)}%)`;
      }
      if (failed > 0) {
        const failure = count > 0 ? Math.min(1, failed / count) : 1;
        div.style.setProperty('--fail', (0.45 + failure * 0.55).toFixed(2));
      }
      grid.push(div);
    }
  }
  matrix.style.setProperty('--cols', names.length);
  matrix.replaceChildren(...grid);
}

function renderDepartments(departments) {
  const rows = [...departments].sort((a, b) => a.department.localeCompare(b.department)).map((d) =>
    h('tr', { class: d.department === state.department ? 'selected' : '' },
      h('td', { text: d.department }),
      h('td', { class: d.openCases > 0 ? '' : 'quiet', text: integer.format(d.openCases) }),
      h('td', { class: d.batonsWaiting > 0 ? 'hot' : 'quiet', text: integer.format(d.batonsWaiting) }),
      h('td', { class: d.droppedToday > 0 ? 'bad' : 'quiet', text: integer.format(d.droppedToday) }),
      h('td', { text: formatSeconds(d.medianTimeToAcceptSeconds) })));
  $('#departments').replaceChildren(...rows);
}

function renderRecognition(heroes) {
  const top = [...heroes].sort((a, b) => b.delightScore - a.delightScore).slice(0, 5);
  $('#recognition-empty').hidden = top.length > 0;
  $('#recognition').replaceChildren(...top.map((e, i) => {
    const details = [`${integer.format(e.interactions)} moments`];
    if (e.averageSentiment !== null && e.averageSentiment !== undefined) {
      details.push(`mood ${e.averageSentiment >= 0 ? '+' : ''}${e.averageSentiment.toFixed(2)}`);
    }
    if (e.averageFeedback !== null && e.averageFeedback !== undefined) details.push(`feedback ${e.averageFeedback.toFixed(1)}/10`);
    const bar = h('div', { class: 'bar' }, h('i'));
    bar.firstChild.style.width = `${Math.max(2, Math.min(100, e.delightScore))}%`;
    return h('li', { class: 'hero' },
      h('span', { class: 'rank', text: String(i + 1) }),
      h('span', { class: 'who' }, e.employeeId, e.department ? h('small', { text: e.department }) : null),
      h('span', { class: 'score', text: integer.format(e.delightScore) }),
      h('div', { class: 'detail' }, bar, h('span', { text: details.join(' · ') })));
  }));
}

// ---------------------------------------------------------------- connection

function setConnection(status, text) {
  const pill = $('#connection');
  pill.dataset.state = status;
  pill.textContent = text ?? { live: 'live', connecting: 'connecting…', reconnecting: 'reconnecting…', offline: 'offline', stale: 'no data' }[status];
}

function hubMessage(error) {
  const text = String(error?.message ?? error);
  const marker = 'HubException: ';
  return text.includes(marker) ? text.slice(text.indexOf(marker) + marker.length) : text;
}

let toastTimer = 0;
function toast(message, kind = 'error') {
  const el = $('#toast');
  el.textContent = message;
  el.className = `toast ${kind}`;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, 5000);
}

async function follow() {
  // Batches: in a burst of thousands of alerts a second, one message and one render per silo batch, not per alert.
  await state.connection.invoke('SubscribeInBatches', state.department || null);
  await hydrate();
}

function connect() {
  const options = {};
  if (state.authRequired) options.accessTokenFactory = () => accessToken() ?? '';

  const connection = new signalR.HubConnectionBuilder()
    .withUrl(HUB_PATH, options)
    .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (retry) => Math.min(10_000, 500 * 2 ** retry.previousRetryCount) })
    .configureLogging(signalR.LogLevel.Warning)
    .build();
  state.connection = connection;

  connection.on('alertRaised', (alert) => receive(alert, true));
  connection.on('alertUpdated', (alert) => receive(alert, false));
  connection.on('alertsRaised', (alerts) => receiveAll(alerts, true));
  connection.on('alertsUpdated', (alerts) => receiveAll(alerts, false));
  connection.on('board', renderSnapshot);
  connection.onreconnecting(() => setConnection('reconnecting'));
  connection.onreconnected(async () => {
    state.lastSnapshotAt = Date.now();
    setConnection('live');
    await follow().catch((e) => toast(hubMessage(e)));
    // A board that came back may have reached a LiveBoard still joining the cluster: look once more shortly.
    setTimeout(() => hydrate().catch(() => {}), 2500);
  });
  connection.onclose((error) => {
    setConnection('offline');
    if (error && /refused:/.test(String(error.message ?? error))) toast(hubMessage(error));
    setTimeout(start, 3000);
  });
  return connection;
}

/** The HTTP status SignalR saw on negotiate ("… Status code '401'"), if that is why it failed. */
function statusOf(error) {
  if (typeof error?.statusCode === 'number') return error.statusCode;
  const match = /Status code '(\d{3})'/.exec(String(error?.message ?? error));
  return match ? Number(match[1]) : null;
}

async function start() {
  if (state.authRequired && !accessToken()) return; // waiting at the key form
  const connection = state.connection ?? connect();
  if (connection.state !== signalR.HubConnectionState.Disconnected) return;
  setConnection('connecting');
  try {
    await connection.start();
    state.lastSnapshotAt = Date.now(); // the first snapshot is under a second away: not stale yet
    setConnection('live');
    await follow();
    setTimeout(() => hydrate().catch(() => {}), 2500);
  } catch (error) {
    setConnection('offline');
    const status = statusOf(error);
    if (state.authRequired && (status === 401 || status === 403)) {
      // The key was withdrawn or changed on the server: ask again instead of retrying forever.
      sessionStorage.removeItem(KEY_STORAGE);
      state.connection = null;
      askForKey(keyProblem(status));
      return;
    }
    if (status === 429) toast('Refused: this key already has as many boards open as allowed. Retrying…');
    console.warn('board connection failed', error);
    setTimeout(start, 3000);
  }
}

// ---------------------------------------------------------------- access key

function keyProblem(status) {
  if (status === 401) return 'That key is not known here (401). Check it and try again.';
  if (status === 403) return 'That key may not open the board (403): use a viewer or supervisor key.';
  return `The board could not check the key (HTTP ${status}). Try again.`;
}

/** What the server makes of a key: { role, department } when it may open the board; a message otherwise. */
async function checkKey(key) {
  let response;
  try {
    response = await fetch('whoami', { headers: { 'X-Api-Key': key }, cache: 'no-store' });
  } catch {
    return { problem: 'The board is not reachable. Try again in a moment.' };
  }
  if (!response.ok) return { problem: keyProblem(response.status) };
  return { who: await response.json() };
}

function askForKey(problem) {
  const gate = $('#keygate');
  const error = $('#key-error');
  error.textContent = problem ?? '';
  error.hidden = !problem;
  gate.hidden = false;
  setConnection('offline', 'key needed');
  $('#key-input').value = '';
  $('#key-input').focus();
}

function applyAccess(who) {
  document.body.dataset.role = who.role ?? 'open';
  state.scope = who.department ?? null;
  const select = $('#department');
  if (state.scope) {
    state.department = state.scope;
    $('#scope').textContent = state.scope;
    renderDepartmentPicker([state.scope]);
    select.value = state.scope;
  }
  select.disabled = Boolean(state.scope);
  $('#change-key').hidden = !state.authRequired;
}

async function submitKey(event) {
  event.preventDefault();
  const key = $('#key-input').value.trim();
  if (!key) return;
  const button = $('#key-submit');
  button.disabled = true;
  try {
    const { who, problem } = await checkKey(key);
    if (problem) {
      askForKey(problem);
      return;
    }
    sessionStorage.setItem(KEY_STORAGE, key);
    $('#keygate').hidden = true;
    applyAccess(who);
    start();
  } finally {
    button.disabled = false;
  }
}

async function changeKey() {
  sessionStorage.removeItem(KEY_STORAGE);
  const connection = state.connection;
  state.connection = null;
  if (connection) await connection.stop().catch(() => {}); // its onclose finds no key and waits
  askForKey(null);
}

/** Open board: connect. With keys: use this tab's key if the server still takes it, or ask for one. */
async function begin() {
  try {
    const config = await (await fetch('config.json', { cache: 'no-store' })).json();
    state.authRequired = Boolean(config.authRequired);
  } catch {
    setConnection('offline');
    setTimeout(begin, 3000);
    return;
  }
  if (!state.authRequired) {
    applyAccess({ role: null, department: null });
    start();
    return;
  }
  const stored = sessionStorage.getItem(KEY_STORAGE);
  if (!stored) {
    askForKey(null);
    return;
  }
  const { who, problem } = await checkKey(stored);
  if (problem) {
    sessionStorage.removeItem(KEY_STORAGE);
    askForKey(problem);
    return;
  }
  applyAccess(who);
  start();
}

async function chooseDepartment(department) {
  if (state.scope && department !== state.scope) department = state.scope;
  state.department = department;
  $('#scope').textContent = department || 'whole floor';
  const url = new URL(location.href);
  if (department) url.searchParams.set('department', department);
  else url.searchParams.delete('department');
  history.replaceState(null, '', url);
  localStorage.setItem('topofheart.department', department);

  state.alerts = new Map([...state.alerts].filter(([, a]) => inScope(a)));
  renderAlerts();
  if (state.connection?.state === signalR.HubConnectionState.Connected) {
    await follow().catch((e) => toast(hubMessage(e)));
  }
}

function everySecond() {
  $('#clock').textContent = new Date().toLocaleTimeString('en-GB');
  tickAges();
  const live = state.connection?.state === signalR.HubConnectionState.Connected;
  if (live && Date.now() - state.lastSnapshotAt > STALE_AFTER_MS) setConnection('stale');
}

function main() {
  const fromUrl = new URL(location.href).searchParams.get('department');
  state.department = fromUrl ?? localStorage.getItem('topofheart.department') ?? '';
  $('#scope').textContent = state.department || 'whole floor';
  renderDepartmentPicker([]);

  const supervisor = $('#supervisor');
  supervisor.value = localStorage.getItem('topofheart.supervisor') ?? '';
  supervisor.addEventListener('change', () => localStorage.setItem('topofheart.supervisor', supervisor.value.trim()));
  $('#department').addEventListener('change', (e) => chooseDepartment(e.target.value));
  $('#key-form').addEventListener('submit', submitKey);
  $('#change-key').addEventListener('click', changeKey);

  renderAlerts();
  everySecond();
  setInterval(everySecond, 1000);
  setInterval(() => hydrate().catch(() => {}), RECONCILE_EVERY_MS);
  begin();
}

main();
