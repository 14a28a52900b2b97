// The web app's entry: the start page (create or join), then the host's console or the
// participant's view of one meeting, kept live from the event stream.
import { ApiError, call, meetingApi, savedMeetings, session } from './api.js';
import { h, setText, setClass, toast, confirmButton } from './dom.js';
import { act, showError } from './actions.js';
import { MeetingState } from './state.js';
import { connectLive } from './live.js';
import { mountConsole } from './console.js';
import { mountParticipant } from './participant.js';
import { apiTokensPanel, myMeetingsOnServer, personBar, signedInCreateForm, signedInJoinForm, signedInSession, signInCard, signInStatus } from './people.js';

const root = document.getElementById('app');

// MARK: Start page

/**
 * The start page, as `GET /v1/me` says: in open mode (and when the server cannot say), create by
 * title and name and join by code and name; with campus sign-in, signed out, a sign-in button
 * instead of the create form; signed in, creating and joining as the person, and their meetings.
 */
async function renderStart(message) {
  document.title = 'Breakout rooms';
  const signIn = await signInStatus();
  const params = new URLSearchParams(location.search);
  const code = params.get('code') || '';
  const me = signIn.me;
  const enter = (saved) => {
    session.save(saved);
    history.replaceState(null, '', '/');
    enterMeeting();
  };
  let createForm;
  let joinForm;
  if (me) {
    createForm = signedInCreateForm(me, (created) => enter(signedInSession(me,
      { meetingId: created.meeting.id, token: created.hostToken, participantId: created.participantId })));
    joinForm = signedInJoinForm(me, code, (joined) => enter(signedInSession(me, joined)));
  } else {
    createForm = signIn.mode === 'signed-out' ? signInCard() : openCreateForm(enter);
    joinForm = openJoinForm(code, enter);
  }
  if (!message && signIn.mode === 'unknown') message = `Could not check whether you are signed in: ${signIn.error.message}`;

  root.replaceChildren(
    h('header', { class: 'topbar' }, h('div', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }), 'Breakout rooms'),
      me ? personBar(me) : null),
    h('main', { class: 'start' },
      message ? h('p', { class: 'notice', role: 'alert', 'data-testid': 'start-message' }, message) : null,
      me ? myMeetingsOnServer((joined) => enter(signedInSession(me, joined))) : null,
      myMeetings(),
      // Joining first when that is what this page is for: a join link, or someone who may not host.
      h('div', { class: 'start-grid' }, code || me?.mayHost === false ? [joinForm, createForm] : [createForm, joinForm]),
      me ? apiTokensPanel() : null));
  // Focus on the first thing to do: the join form's first empty field (else "Join meeting"), or the
  // title, or the sign-in link.
  const next = code || me?.mayHost === false
    ? [...joinForm.querySelectorAll('input')].find((input) => !input.value) || joinForm.querySelector('button[type=submit]')
    : createForm.querySelector('input[name=title], a');
  next?.focus();
}

/** Create a meeting without signing in (open mode): a title and the host's name. */
function openCreateForm(enter) {
  const createForm = h('form', { class: 'card start-card', 'data-testid': 'create-form' },
    h('h2', {}, 'Start a meeting'),
    h('p', { class: 'muted' }, 'You will be its host: you create the breakout rooms and open them.'),
    h('label', {}, 'Meeting title', h('input', { name: 'title', required: true, maxlength: 200, placeholder: 'e.g. Seminar, week 3', autocomplete: 'off' })),
    h('label', {}, 'Your name', h('input', { name: 'hostName', required: true, maxlength: 64, placeholder: 'e.g. Dr. Lovelace', autocomplete: 'name' })),
    h('button', { type: 'submit', class: 'primary' }, 'Create meeting'));
  createForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(createForm);
    const created = await act(createForm.querySelector('button'), () => call('POST', '/v1/meetings', {
      json: { title: data.get('title').trim(), hostName: data.get('hostName').trim() },
    }), { what: 'The meeting could not be created' });
    if (!created) return;
    enter({ meetingId: created.meeting.id, token: created.hostToken, participantId: created.participantId });
  });
  return createForm;
}

/** Join without signing in: the code, a name and, optionally, an email. */
function openJoinForm(code, enter) {
  const joinForm = h('form', { class: 'card start-card', 'data-testid': 'join-form' },
    h('h2', {}, 'Join a meeting'),
    h('p', { class: 'muted' }, 'Type the code your host shared.'),
    h('label', {}, 'Meeting code', h('input', { name: 'code', required: true, value: code, placeholder: 'K7XQ2M9RTA', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false' })),
    h('label', {}, 'Your name', h('input', { name: 'displayName', required: true, maxlength: 64, autocomplete: 'name' })),
    h('label', {}, h('span', {}, 'Email ', h('span', { class: 'muted' }, '(optional — lets the host pre-assign you to a room)')),
      h('input', { name: 'email', type: 'email', maxlength: 254, autocomplete: 'email' })),
    h('button', { type: 'submit', class: 'primary' }, 'Join meeting'));
  joinForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(joinForm);
    const email = data.get('email').trim();
    const json = { code: data.get('code').trim(), displayName: data.get('displayName').trim() };
    if (email) json.email = email;
    const joined = await act(joinForm.querySelector('button'), () => call('POST', '/v1/meetings/join', { json }),
      { what: 'Could not join' });
    if (!joined) return;
    enter({ meetingId: joined.meetingId, token: joined.token, participantId: joined.participantId });
  });
  return joinForm;
}

const roleNames = { host: 'Host', cohost: 'Co-host', participant: 'Participant' };

/** The meetings this browser is in (closing a tab loses none), each with a way back in and "Forget". */
function myMeetings() {
  const meetings = savedMeetings.list();
  if (!meetings.length) return null;
  const list = h('ul', { class: 'my-meetings-list' });
  for (const saved of meetings) {
    const details = [roleNames[saved.role], saved.displayName, saved.code && `code ${saved.code}`].filter(Boolean).join(' · ');
    const item = h('li', { 'data-testid': 'my-meeting' },
      h('div', { class: 'my-meeting-text' }, h('strong', {}, saved.title || 'A meeting'), h('span', { class: 'muted' }, details)));
    const open = h('button', { type: 'button', class: 'primary', 'data-testid': 'my-meeting-open',
      'aria-label': `Go back in: ${saved.title || 'a meeting'}, ${details}` }, 'Go back in');
    open.addEventListener('click', () => {
      session.save(saved);
      history.replaceState(null, '', '/');
      enterMeeting();
    });
    // The token is kept nowhere else: a host without the private host link cannot come back.
    const forget = confirmButton('Forget', saved.role === 'host' ? 'Forget? You lose the host role' : 'Click again to forget', () => {
      savedMeetings.forget(saved);
      item.remove();
      if (!list.children.length) list.closest('section')?.remove();
    }, { class: 'quiet', 'data-testid': 'my-meeting-forget' });
    item.append(h('div', { class: 'row' }, open, forget));
    list.append(item);
  }
  return h('section', { class: 'card my-meetings', 'data-testid': 'my-meetings' },
    h('h2', {}, 'Your meetings in this browser'), list);
}

// MARK: A meeting

let current = null;

/** This tab is no longer in its meeting (left, removed, ended, refused): forgotten everywhere. */
function leaveMeeting(message) {
  const saved = session.load();
  current?.live?.close();
  current?.view?.destroy?.();
  clearInterval(current?.ticker);
  current = null;
  session.clear();
  if (saved) savedMeetings.forget(saved);
  renderStart(message);
}

/** Back to the start page, the meeting still kept in this browser (it could not be loaded now). */
function backToStart() {
  session.clear();
  renderStart();
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
      h('button', { type: 'button', onclick: backToStart }, 'Back to the start page')));
    return;
  }
  // A host link carries no participant id: the snapshot says who the token is.
  saved.participantId = snapshot.you.participantId;
  session.save({ ...saved, title: snapshot.meeting.title, code: snapshot.meeting.code });

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
    savedMeetings.remember({ ...saved, role: app.state.you.role, displayName: app.state.me?.displayName });
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
    onReplaced({ limit }) {
      // Kept in this browser: "Go back in" takes it up again here.
      current?.view?.destroy?.();
      clearInterval(current?.ticker);
      current = null;
      session.clear();
      renderStart(`This meeting is open in more than ${limit} tabs or devices of yours, so this tab stopped. Go back in to use it here.`);
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
  const role = roleNames[app.state.you.role] || '';
  setText(s.who, me ? `${me.displayName} · ${role}` : role);
  setText(s.title, app.state.meeting.title);
  const down = app.connection === 'reconnecting' || app.connection === 'lost';
  s.banner.hidden = !down;
  setText(s.banner, app.connection === 'lost'
    ? 'The live connection is lost. What you see may be out of date; retrying…'
    : 'The live connection dropped. Reconnecting — nothing will be missed.');
  setClass(s.banner, 'lost', app.connection === 'lost');
}

// MARK: The private host link

/**
 * `/?code=CODE#meeting=ID&host=TOKEN`, shown to the host in the console: opened in any browser, it
 * makes that browser the host. The fragment never reaches a server (nor its logs); once read, it
 * leaves the address bar and the history. A browser signed in as someone who neither owns the
 * meeting nor is among its alternative hosts asks first: the link would make it act as another
 * person's host, and that must never happen without a word.
 */
async function takeHostLink() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const meetingId = fragment.get('meeting');
  const token = fragment.get('host');
  if (!meetingId || !token) return;
  history.replaceState(null, '', '/');
  const stranger = await signedInAsSomeoneElse(meetingId);
  if (stranger && !window.confirm(
    `This is the host link of a meeting that ${stranger} did not create. Opening it makes this browser `
    + 'its host, acting for whoever created it. Become its host in this browser?')) {
    return;
  }
  session.save({ meetingId, token });
}

/** The signed-in person's name when the meeting is not theirs; null when it is, or nobody is signed in. */
async function signedInAsSomeoneElse(meetingId) {
  const status = await signInStatus();
  if (status.mode !== 'signed-in') return null;
  try {
    const { meetings } = await call('GET', '/v1/me/meetings');
    return meetings.some((m) => m.id === meetingId) ? null : `you (${status.me.name})`;
  } catch {
    return `you (${status.me.name})`;
  }
}

// A host link pasted into a tab already on the page changes only the fragment: start over with it.
window.addEventListener('hashchange', () => location.reload());

await takeHostLink();
enterMeeting();
