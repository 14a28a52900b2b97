// Campus sign-in on the start page. `GET /v1/me` decides which start page people see: open mode
// (`sign_in_off`: the page as it is without sign-in), signed out (`not_signed_in`: a sign-in button
// where the create form was; joining by code and name still works where the meeting allows it), or
// signed in (the person's name, "Sign out", a create form that asks only for a title, "My meetings"
// from the server, so on any computer, and the personal API tokens).
import { ApiError, call, savedMeetings, session } from './api.js';
import { h, setText, toast, confirmButton } from './dom.js';
import { act, showError } from './actions.js';

/** Which start page to show: `{ mode: 'open' | 'signed-out' | 'signed-in' | 'unknown', me, error }`. */
export async function signInStatus() {
  try {
    return { mode: 'signed-in', me: await call('GET', '/v1/me') };
  } catch (error) {
    if (error instanceof ApiError && error.code === 'sign_in_off') return { mode: 'open' };
    if (error instanceof ApiError && error.code === 'not_signed_in') return { mode: 'signed-out' };
    // The server could not say (unreachable, overloaded): the page works as in open mode and says why.
    return { mode: 'unknown', error };
  }
}

/** To the provider and back to this very page, so a join link keeps its code. */
function signInLink() {
  const returnTo = location.pathname + location.search;
  return h('a', { class: 'button primary', href: `/auth/login?returnTo=${encodeURIComponent(returnTo)}`, 'data-testid': 'sign-in' },
    'Sign in with your campus account');
}

/** Where the create form is for someone signed out: hosting needs an account. */
export function signInCard() {
  return h('section', { class: 'card start-card', 'data-testid': 'sign-in-card' },
    h('h2', {}, 'Start a meeting'),
    h('p', { class: 'muted' }, 'Hosting a meeting, and finding your meetings on any computer, needs your campus account.'),
    signInLink());
}

/** The right end of the start page's top bar: who is signed in and "Sign out". */
export function personBar(me) {
  const signOut = h('button', { type: 'button', 'data-testid': 'sign-out' }, 'Sign out');
  signOut.addEventListener('click', async () => {
    const done = await act(signOut, () => call('POST', '/auth/logout'), { what: 'Could not sign out' });
    if (done === undefined) return;
    // The meetings joined as this person stay on the server ("My meetings"): on a shared computer,
    // their tokens must not stay behind for whoever comes next.
    savedMeetings.forgetSignedIn();
    session.clear();
    location.reload();
  });
  return h('div', { class: 'topbar-right' },
    h('span', { class: 'who', 'data-testid': 'me-name' }, me.name), signOut);
}

/** The tab's session of a meeting created or joined while signed in (marked, so signing out forgets it). */
export function signedInSession(me, { meetingId, token, participantId }) {
  return { meetingId, token, participantId, personId: me.id };
}

/** Create a meeting as the person signed in (the host by the provider's name): a title is all it takes. */
export function signedInCreateForm(me, onCreated) {
  if (!me.mayHost) return hostRefusal(me.hostPolicy);
  const form = h('form', { class: 'card start-card', 'data-testid': 'create-form' },
    h('h2', {}, 'Start a meeting'),
    h('p', { class: 'muted' }, `You will be its host, as ${me.name}: you create the breakout rooms and open them.`),
    h('label', {}, 'Meeting title', h('input', { name: 'title', required: true, maxlength: 200, placeholder: 'e.g. Seminar, week 3', autocomplete: 'off' })),
    h('button', { type: 'submit', class: 'primary' }, 'Create meeting'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button');
    button.disabled = true;
    try {
      onCreated(await call('POST', '/v1/meetings', { json: { title: form.elements.title.value.trim() } }));
    } catch (error) {
      if (error instanceof ApiError && error.code === 'not_allowed_to_host') {
        // The policy changed since the page asked: the server's own words replace the form.
        const refusal = hostRefusal(me.hostPolicy, error.detail);
        form.replaceWith(refusal);
        refusal.focus();
      } else {
        showError(error, 'The meeting could not be created');
      }
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

/** Instead of the create form, for someone the host policy does not let host. */
function hostRefusal(policy, detail) {
  return h('section', { class: 'card start-card', 'data-testid': 'host-refused', tabindex: '-1' },
    h('h2', {}, 'Start a meeting'),
    detail ? h('p', {}, detail) : [
      h('p', {}, 'Your account may join meetings but not host them.'),
      h('p', { 'data-testid': 'host-policy' }, policy)]);
}

const joinWithCode = (code) => call('POST', '/v1/meetings/join', { json: { code } });

/** Join as the person signed in: the name and email are the provider's, so the code is all it takes. */
export function signedInJoinForm(me, code, onJoined) {
  const form = h('form', { class: 'card start-card', 'data-testid': 'join-form' },
    h('h2', {}, 'Join a meeting'),
    h('p', { class: 'muted' }, `Type the code your host shared. You join as ${me.name}.`),
    h('label', {}, 'Meeting code', h('input', { name: 'code', required: true, value: code, placeholder: 'K7XQ2M9RTA', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false' })),
    h('button', { type: 'submit', class: 'primary' }, 'Join meeting'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const joined = await act(form.querySelector('button'), () => joinWithCode(form.elements.code.value.trim()),
      { what: 'Could not join' });
    if (joined) onJoined(joined);
  });
  return form;
}

const relationNames = { owner: 'Host', alternative_host: 'Alternative host' };

/**
 * The meetings the person owns or co-hosts, from the server. The way in is joining with the code:
 * the server answers its owner with the host's own participant, and an alternative host as a co-host.
 */
export function myMeetingsOnServer(onJoined) {
  const status = h('p', { class: 'muted', role: 'status' }, 'Loading…');
  const list = h('ul', { class: 'my-meetings-list' });
  call('GET', '/v1/me/meetings').then(({ meetings }) => {
    setText(status, meetings.length ? '' : 'None yet. The meetings you host appear here, on any computer you sign in on.');
    status.hidden = meetings.length > 0;
    for (const meeting of meetings) list.append(myMeeting(meeting, onJoined));
  }, (error) => setText(status, `Your meetings could not be loaded: ${error.detail || error.message}`));
  return h('section', { class: 'card my-meetings', 'data-testid': 'owned-meetings' },
    h('h2', {}, 'My meetings'), status, list);
}

function myMeeting(meeting, onJoined) {
  const ended = meeting.status === 'ended';
  const details = [relationNames[meeting.relation], `code ${meeting.code}`, ended ? 'ended' : 'active'].join(' · ');
  const item = h('li', { 'data-testid': 'owned-meeting', 'data-meeting-id': meeting.id },
    h('div', { class: 'my-meeting-text' }, h('strong', {}, meeting.title), h('span', { class: 'muted' }, details)));
  if (!ended) {
    const open = h('button', { type: 'button', class: 'primary', 'data-testid': 'owned-meeting-open',
      'aria-label': `Go in: ${meeting.title}, ${details}` }, 'Go in');
    open.addEventListener('click', async () => {
      const joined = await act(open, () => joinWithCode(meeting.code), { what: 'Could not go in' });
      if (joined) onJoined(joined);
    });
    item.append(h('div', { class: 'row' }, open));
  }
  return item;
}

const day = (iso) => new Date(iso).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });

/**
 * The personal API tokens, for scripts that act as this person: listed (without the tokens), made
 * with a name and optional days (the token shown once, with "Copy"), revoked. Folded away until
 * opened, as most people never need it; the list is loaded when it is first opened.
 */
export function apiTokensPanel() {
  const list = h('ul', { class: 'my-meetings-list', 'data-testid': 'api-token-list' });
  const empty = h('p', { class: 'muted', role: 'status' }, 'Loading…');
  const value = h('input', { readonly: true, class: 'token-value', 'data-testid': 'api-token-value', 'aria-label': 'Your new API token' });
  const copy = h('button', { type: 'button', 'data-testid': 'api-token-copy' }, 'Copy');
  const made = h('div', { class: 'notice', 'data-testid': 'api-token-new', hidden: true },
    h('p', {}, h('strong', {}, 'Copy your new token now: it is not shown again.')),
    h('div', { class: 'row' }, value, copy));
  const name = h('input', { name: 'name', required: true, maxlength: 64, autocomplete: 'off', placeholder: 'e.g. Canvas seminar sync' });
  const days = h('input', { name: 'expiresInDays', type: 'number', min: 1, max: 90, step: 1, inputmode: 'numeric', class: 'small' });
  const form = h('form', { 'data-testid': 'api-token-form' },
    h('label', {}, 'Name', name),
    h('label', {}, h('span', {}, 'Days until it stops working ', h('span', { class: 'muted' }, '(optional, at most 90; left empty, the longest allowed)')), days),
    h('button', { type: 'submit', class: 'primary' }, 'Make token'));
  const body = h('div', { id: 'api-tokens-body', hidden: true },
    h('p', { class: 'muted' },
      'A script (an LMS making a meeting per seminar group) acts as you with one: Authorization: Bearer bk_…. Keep it like a password, and revoke it when it is no longer needed.'),
    form, made, h('h3', {}, 'Your tokens'), empty, list);
  const toggle = h('button', { type: 'button', 'aria-expanded': 'false', 'aria-controls': 'api-tokens-body', 'data-testid': 'api-tokens-toggle' },
    'Manage API tokens');

  const showEmpty = () => {
    setText(empty, 'None.');
    empty.hidden = list.children.length > 0;
  };
  const item = (token) => {
    const expires = token.expiresAt ? `expires ${day(token.expiresAt)}` : 'until revoked';
    const li = h('li', { 'data-testid': 'api-token' },
      h('div', { class: 'my-meeting-text' }, h('strong', {}, token.name), h('span', { class: 'muted' }, `made ${day(token.createdAt)} · ${expires}`)));
    const revoke = confirmButton('Revoke', 'Click again to revoke', async () => {
      const done = await act(revoke, () => call('DELETE', `/v1/me/api-tokens/${token.id}`),
        { what: 'The token could not be revoked', success: `"${token.name}" revoked: it no longer works.` });
      if (done === undefined) return;
      li.remove();
      showEmpty();
      toggle.focus();
    }, { class: 'danger quiet', 'data-testid': 'api-token-revoke' });
    li.append(h('div', { class: 'row' }, revoke));
    return li;
  };
  let loaded = false;
  toggle.addEventListener('click', async () => {
    const open = body.hidden;
    body.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    setText(toggle, open ? 'Hide API tokens' : 'Manage API tokens');
    if (!open || loaded) return;
    loaded = true;
    try {
      const { tokens } = await call('GET', '/v1/me/api-tokens');
      list.replaceChildren(...tokens.map(item));
      showEmpty();
    } catch (error) {
      loaded = false;
      setText(empty, `Your tokens could not be loaded: ${error.detail || error.message}`);
    }
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const json = { name: name.value.trim() };
    if (days.value) json.expiresInDays = Number(days.value);
    const token = await act(form.querySelector('button'), () => call('POST', '/v1/me/api-tokens', { json }),
      { what: 'The token could not be made' });
    if (!token) return;
    value.value = token.token;
    made.hidden = false;
    list.prepend(item(token));
    showEmpty();
    form.reset();
    value.focus();
    value.select();
  });
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(value.value);
      toast('Token copied.', { kind: 'ok' });
    } catch {
      value.focus();
      value.select();
      toast('Copy the selected token by hand (Ctrl+C or ⌘C).', { kind: 'info' });
    }
  });
  return h('section', { class: 'card api-tokens', 'data-testid': 'api-tokens' },
    h('div', { class: 'panel-head' }, h('h2', {}, 'API tokens'), toggle), body);
}
