// Pre-assignment (host only): upload Zoom's CSV template, see the list with who has joined,
// see every bad line when an upload is refused. The rooms are made from it when the host
// creates rooms "Pre-assigned".
import { h, setText, setHidden, syncChildren, confirmButton, toast } from './dom.js';
import { ApiError } from './api.js';
import { act, showError } from './actions.js';

export function mountPreassignments(app) {
  const ui = { list: null, loading: false };
  const file = h('input', { type: 'file', accept: '.csv,text/csv', 'data-testid': 'preassign-file', 'aria-label': 'CSV file' });
  const upload = h('label', { class: 'button file-button' }, 'Upload CSV…', file);
  const template = h('a', { href: '/preassign-template.csv', download: 'breakout-preassign-template.csv', 'data-testid': 'preassign-template' }, "Download Zoom's template");
  const errors = h('div', { class: 'errors', role: 'alert', hidden: true, 'data-testid': 'preassign-errors' });
  const summary = h('p', { class: 'muted', 'data-testid': 'preassign-summary' });
  const groups = h('div', { class: 'preassign-groups', 'data-testid': 'preassign-list' });
  const clear = confirmButton('Clear list', 'Clear the list? Click again', async () => {
    const list = await act(null, () => app.api.clearPreassignments(), { success: 'The list is cleared.', what: 'Could not clear the list' });
    if (list) { ui.list = list; app.invalidate(); }
  }, { class: 'quiet', 'data-testid': 'preassign-clear' });
  const el = h('section', { class: 'card preassign-panel', 'data-testid': 'preassign-panel' },
    h('h2', {}, 'Pre-assign'),
    h('p', { class: 'muted' }, 'A list of who goes to which room: one line per person, room name and email. People whose email matches are placed when you create rooms "Pre-assigned", and when they join later.'),
    h('div', { class: 'row' }, upload, template), errors, summary, groups, clear);

  file.addEventListener('change', async () => {
    const chosen = file.files[0];
    if (!chosen) return;
    const bytes = await chosen.arrayBuffer();
    file.value = '';
    errors.hidden = true;
    try {
      ui.list = await app.api.uploadPreassignments(bytes);
      app.invalidate();
      const rooms = new Set(ui.list.map((e) => e.room)).size;
      toast(`Saved ${ui.list.length} people in ${rooms} rooms from ${chosen.name}.`, { kind: 'ok' });
    } catch (error) {
      if (error instanceof ApiError && error.errors.length) {
        errors.replaceChildren(
          h('p', {}, h('strong', {}, `${chosen.name} was not saved.`), ` ${error.errors.length === 1 ? 'One line has a problem' : `${error.errors.length} lines have problems`}; fix them and upload again:`),
          h('ul', {}, error.errors.slice(0, 50).map((e) => h('li', {}, h('strong', {}, capitalize(e.field)), `: ${e.message}`)),
            error.errors.length > 50 ? h('li', {}, `… and ${error.errors.length - 50} more`) : null));
        errors.hidden = false;
      }
      showError(error, 'The list was not saved');
    }
  });

  async function load() {
    if (ui.loading || app.state.you.role !== 'host') return;
    ui.loading = true;
    try {
      ui.list = await app.api.preassignments();
      app.invalidate();
    } catch (error) {
      showError(error, 'Could not load the pre-assignment list');
    } finally {
      ui.loading = false;
    }
  }
  load();

  return {
    el,
    /** What the create form tells the host about the list; null when there is none. */
    summary() {
      if (!ui.list || ui.list.length === 0) return null;
      const emails = new Set([...app.state.participants.values()].map((p) => p.email).filter(Boolean));
      return {
        rooms: new Set(ui.list.map((e) => e.room)).size,
        entries: ui.list.length,
        joined: ui.list.filter((e) => emails.has(e.email)).length,
      };
    },
    render() {
      const host = app.state.you.role === 'host';
      setHidden(el, !host);
      if (!host) return;
      const list = ui.list || [];
      const joined = new Map();
      for (const p of app.state.participants.values()) if (p.email) joined.set(p.email, p);
      const byRoom = new Map();
      for (const entry of list) (byRoom.get(entry.room) || byRoom.set(entry.room, []).get(entry.room)).push(entry);
      setText(summary, list.length
        ? `${list.length} people in ${byRoom.size} rooms; ${list.filter((e) => joined.has(e.email)).length} have joined.`
        : 'No list uploaded.');
      setHidden(clear, list.length === 0);
      syncChildren(groups, [...byRoom.entries()], ([room]) => room,
        () => h('details', { class: 'preassign-room' }, h('summary', {}), h('ul', {})),
        (details, [room, entries]) => {
          setText(details.firstChild, `${room} (${entries.length})`);
          const lines = entries.map((e) => {
            const p = joined.get(e.email);
            return p ? `${e.email} — joined as ${p.displayName}` : `${e.email} — not here yet`;
          });
          const ul = details.lastChild;
          if (ul._text !== lines.join('\n')) {
            ul._text = lines.join('\n');
            ul.replaceChildren(...lines.map((l) => h('li', {}, l)));
          }
        });
    },
    notice(type) {
      if (type === 'role_changed') load();
    },
  };
}

function capitalize(text) {
  return text ? text[0].toUpperCase() + text.slice(1) : text;
}
