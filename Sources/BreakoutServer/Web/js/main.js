// The web app's entry: the start page (create or join), then the host's console or the
// participant's view of one meeting, kept live from the event stream.
import { ApiError, call, meetingApi, session } from './api.js';
import { h, setText, setClass, toast } from './dom.js';
import { act, showError } from './actions.js';
import { MeetingState } from './state.js';
import { connectLive } from './live.js';
import { mountConsole } from './console.js';
import { mountParticipant } from './participant.js';

const root = document.getElementById('app');

// MARK: Start page

function renderStart(message) {
  document.title = 'Breakout rooms';
  const params = new URLSearchParams(location.search);
  const code = params.get('code') || '';
  const createForm = h('form', { class: 'card start-card', 'data-testid': 'create-form' },
    h('h2', {}, 'Start a meeting'),
    h('p', { class: 'muted' }, 'You will be its host: you create the breakout rooms and open them.'),
    h('label', {}, 'Meeting title', h('input', { name: 'title', required: true, maxlength: 200, placeholder: 'e.g. Seminar, week 3', autocomplete: 'off' })),
    h('label', {}, 'Your name', h('input', { name: 'hostName', required: true, maxlength: 64, placeholder: 'e.g. Dr. Lovelace', autocomplete: 'name' })),
    h('button', { type: 'submit', class: 'primary' }, 'Create meeting'));
  const joinForm = h('form', { class: 'card start-card', 'data-testid': 'join-form' },
    h('h2', {}, 'Join a meeting'),
    h('p', { class: 'muted' }, 'Type the code your host shared.'),
    h('label', {}, 'Meeting code', h('input', { name: 'code', required: true, value: code, placeholder: 'K7XQ2M9RTA', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false' })),
    h('label', {}, 'Your name', h('input', { name: 'displayName', required: true, maxlength: 64, autocomplete: 'name' })),
    h('label', {}, h('span', {}, 'Email ', h('span', { class: 'muted' }, '(optional — lets the host pre-assign you to a room)')),
      h('input', { name: 'email', type: 'email', maxlength: 254, autocomplete: 'email' })),
    h('button', { type: 'submit', class: 'primary' }, 'Join meeting'));

  createForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(createForm);
    const created = await act(createForm.querySelector('button'), () => call('POST', '/v1/meetings', {
      json: { title: data.get('title').trim(), hostName: data.get('hostName').trim() },
    }), { what: 'The meeting could not be created' });
    if (!created) return;
    session.save({ meetingId: created.meeting.id, token: created.hostToken, participantId: created.participantId });
    history.replaceState(null, '', '/');
    enterMeeting();
  });
  joinForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(joinForm);
    const email = data.get('email').trim();
    const json = { code: data.get('code').trim(), displayName: data.get('displayName').trim() };
    if (email) json.email = email;
    const joined = await act(joinForm.querySelector('button'), () => call('POST', '/v1/meetings/join', { json }),
      { what: 'Could not join' });
    if (!joined) return;
    session.save({ meetingId: joined.meetingId, token: joined.token, participantId: joined.participantId });
    history.replaceState(null, '', '/');
    enterMeeting();
  });

  root.replaceChildren(
    h('header', { class: 'topbar' }, h('div', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }), 'Breakout rooms')),
    h('main', { class: 'start' },
      message ? h('p', { class: 'notice', role: 'alert', 'data-testid': 'start-message' }, message) : null,
      h('div', { class: 'start-grid' }, code ? [joinForm, createForm] : [createForm, joinForm])));
  (code ? joinForm.elements.displayName : createForm.elements.title).focus();
}

// MARK: A meeting

let current = null;

function leaveMeeting(message) {
  current?.live?.close();
  current?.view?.destroy?.();
  clearInterval(current?.ticker);
  current = null;
  session.clear();
  renderStart(message);
}

/** Why the API refuses this session, as a sentence; null when it does not. */
async function refusal(api) {
  try {
    await api.snapshot();
    return null;
  } catch (error) {
    if (!(error instanceof ApiError)) return null;
    if (error.status === 410) return 'The meeting has ended.';
    if (error.status === 401 || error.status === 404) return 'You are no longer in that meeting (you left or were removed).';
    return null;
  }
}

async function enterMeeting() {
  const saved = session.load();
  if (!saved) return renderStart();
  const api = meetingApi(saved.meetingId, saved.token);
  root.replaceChildren(h('main', { class: 'loading' }, h('p', {}, 'Connecting to the meeting…')));
  let snapshot;
  try {
    snapshot = await api.snapshot();
  } catch (error) {
    const why = await refusal(api);
    if (why) return leaveMeeting(why);
    showError(error, 'Could not load the meeting');
    root.replaceChildren(h('main', { class: 'loading' },
      h('p', {}, 'The meeting could not be loaded.'),
      h('button', { type: 'button', class: 'primary', onclick: enterMeeting }, 'Try again'),
      h('button', { type: 'button', onclick: () => leaveMeeting() }, 'Back to the start page')));
    return;
  }

  const app = {
    api,
    session: saved,
    state: new MeetingState(snapshot),
    connection: 'connecting',
    view: null,
    frame: 0,
    /** How often the page was drawn and how long that took (the browser tests read it). */
    renderStats: { count: 0, maxMs: 0, totalMs: 0 },
    /** Re-render once per animation frame, however many events arrived. */
    invalidate() {
      if (app.frame) return;
      app.frame = requestAnimationFrame(() => {
        app.frame = 0;
        const started = performance.now();
        renderShell(app);
        app.view?.render();
        const ms = performance.now() - started;
        const stats = app.renderStats;
        stats.count += 1;
        stats.totalMs += ms;
        stats.maxMs = Math.max(stats.maxMs, ms);
      });
    },
    leave: leaveMeeting,
  };
  current = app;
  window.breakout = app; // for the browser tests and the curious

  const mountView = () => {
    app.view?.destroy?.();
    app.managerView = app.state.isManager;
    app.main = h('main', { class: app.managerView ? 'console' : 'participant' });
    app.shell = shell(app);
    root.replaceChildren(app.shell.header, app.shell.banner, app.main);
    app.view = app.managerView ? mountConsole(app.main, app) : mountParticipant(app.main, app);
    document.title = `${app.state.meeting.title} – Breakout rooms`;
    app.invalidate();
  };
  mountView();

  app.live = connectLive({
    url: api.eventsUrl(),
    onStatus(status) {
      app.connection = status;
      app.invalidate();
    },
    onSnapshot(fresh) {
      app.state = new MeetingState(fresh);
      if (app.state.isManager !== app.managerView) mountView();
      app.invalidate();
    },
    onEvent(type, payload, seq) {
      if (!app.state.apply(type, payload, seq)) return;
      if (type === 'meeting_ended') return leaveMeeting('The host has ended the meeting.');
      if (type === 'participant_left' && payload.participantId === app.session.participantId) {
        return leaveMeeting(payload.reason === 'removed' ? 'The host removed you from the meeting.' : 'You left the meeting.');
      }
      if (type === 'role_changed' && app.state.isManager !== app.managerView) {
        toast(app.state.isManager ? 'You are now a co-host.' : 'You are no longer a co-host.', { kind: 'info' });
        mountView();
        // Managers see more (emails, the help queue) than the events so far carried: start over
        // from a snapshot taken with the new role.
        app.live.restart();
      }
      app.view?.notice?.(type, payload);
      app.invalidate();
    },
    onRefused(why) {
      leaveMeeting(why);
    },
    probe: () => refusal(api),
  });
  app.ticker = setInterval(() => app.view?.tick?.(), 1000);
}

// MARK: The bar on top of a meeting

function shell(app) {
  const connection = h('span', { class: 'connection', 'data-testid': 'connection', role: 'status' });
  const who = h('span', { class: 'who', 'data-testid': 'who' });
  const title = h('span', { class: 'meeting-title' });
  const header = h('header', { class: 'topbar' },
    h('div', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }), title),
    h('div', { class: 'topbar-right' }, connection, who));
  const banner = h('div', { class: 'connection-banner', role: 'alert', hidden: true, 'data-testid': 'connection-banner' });
  return { header, banner, connection, who, title };
}

const connectionText = {
  live: ['Live', 'live'],
  connecting: ['Connecting…', 'pending'],
  reconnecting: ['Reconnecting…', 'pending'],
  lost: ['Connection lost', 'lost'],
};

function renderShell(app) {
  const s = app.shell;
  if (!s) return;
  const [text, kind] = connectionText[app.connection] || connectionText.connecting;
  setText(s.connection, text);
  s.connection.dataset.state = kind;
  const me = app.state.me;
  const role = { host: 'Host', cohost: 'Co-host', participant: 'Participant' }[app.state.you.role] || '';
  setText(s.who, me ? `${me.displayName} · ${role}` : role);
  setText(s.title, app.state.meeting.title);
  const down = app.connection === 'reconnecting' || app.connection === 'lost';
  s.banner.hidden = !down;
  setText(s.banner, app.connection === 'lost'
    ? 'The live connection is lost. What you see may be out of date; retrying…'
    : 'The live connection dropped. Reconnecting — nothing will be missed.');
  setClass(s.banner, 'lost', app.connection === 'lost');
}

enterMeeting();
