// Pre-assignment (host only): the list of who goes to which room, typed in by hand, imported
// from Zoom's CSV template or from a Canvas group-set export, downloaded as Zoom's template.
// Every save replaces the list whole (PUT …/preassignments); a refused one shows each problem
// beside its row or line. The rooms are made from the list when the host creates rooms
// "Pre-assigned". An entry names a person by email or, as `{room, subject}`, by the campus
// provider's subject (for people signed in without an email): shown and typed as "subject: …".
import { h, setText, setHidden, syncChildren, confirmButton, toast } from '../dom.js';
import { ApiError } from '../api.js';
import { act, showError } from '../actions.js';

const ZOOM_HEADER = 'Pre-assign Room Name,Email Address';
const SUBJECT_PREFIX = 'subject: ';

/** How an entry's person is shown and typed: the email, or "subject: …". */
function personText(entry) {
  return entry.subject != null ? SUBJECT_PREFIX + entry.subject : (entry.email || '');
}

/** An editor row as the API takes it: "subject: …" names a subject, anything else an email. */
function entryOf(row) {
  const subject = /^\s*subject:\s*(.*)$/i.exec(row.email);
  return subject ? { room: row.room, subject: subject[1] } : { room: row.room, email: row.email };
}

export function mountPreassignments(app) {
  const ui = {
    list: null, loading: false,
    // The editor's rows: {key, room, email}, `email` holding "subject: …" for a subject; `dirty`
    // once the host changed them.
    draft: [], dirty: false, nextKey: 1, rowErrors: new Map(), editorVersion: 0, drawnVersion: -1,
    // What the last import said beyond the list: {file, format, unassigned}.
    lastImport: null,
  };

  // Imports.
  const file = h('input', { type: 'file', accept: '.csv,text/csv', 'data-testid': 'preassign-file', 'aria-label': 'CSV file in Zoom\'s template' });
  const upload = h('label', { class: 'button file-button' }, 'Import CSV…', file);
  const canvasFile = h('input', { type: 'file', accept: '.csv,text/csv', 'data-testid': 'preassign-canvas-file', 'aria-label': 'Canvas group export' });
  const canvas = h('label', { class: 'button file-button' }, 'Import from Canvas…', canvasFile);
  const download = h('a', { href: '#', download: 'breakout-preassignments.csv', 'data-testid': 'preassign-download' }, 'Download as CSV');
  const canvasNote = h('p', { class: 'muted small-print', 'data-testid': 'preassign-canvas-note' },
    'Canvas: in the course, People → Groups, then the group set\'s ⋮ menu → "Export Groups to CSV" (the wording may differ). ',
    'Groups become rooms; logins are matched to the emails people join with.');
  const errors = h('div', { class: 'errors', role: 'alert', hidden: true, 'data-testid': 'preassign-errors' });
  const summary = h('p', { class: 'muted', 'data-testid': 'preassign-summary' });
  const missing = h('p', { class: 'muted small-print', hidden: true, 'data-testid': 'preassign-missing' });
  const imported = h('p', { class: 'muted small-print', hidden: true, 'data-testid': 'preassign-import' });
  const groups = h('div', { class: 'preassign-groups', 'data-testid': 'preassign-list' });
  const clear = confirmButton('Clear list', 'Clear the list? Click again', async () => {
    const answer = await act(null, () => app.api.clearPreassignments(), { success: 'The list is cleared.', what: 'Could not clear the list' });
    if (answer) saved(answer, null);
  }, { class: 'quiet', 'data-testid': 'preassign-clear' });

  // The editor: one row per person, typed in by hand.
  const rows = h('div', { class: 'preassign-rows', 'data-testid': 'preassign-rows' });
  const addRow = h('button', { type: 'button', 'data-testid': 'preassign-add-row' }, '+ Add a person');
  const bulkRoom = h('input', { type: 'text', maxlength: 64, placeholder: 'Room name', 'aria-label': 'Room name', 'data-testid': 'preassign-bulk-room' });
  const bulkEmails = h('textarea', { rows: 3, placeholder: 'Emails, one per line (or separated by commas)', 'aria-label': 'Emails', 'data-testid': 'preassign-bulk-emails' });
  const bulkAdd = h('button', { type: 'button', 'data-testid': 'preassign-bulk-add' }, 'Add room with these people');
  const save = h('button', { type: 'button', class: 'primary', 'data-testid': 'preassign-save' }, 'Save list');
  const revert = h('button', { type: 'button', class: 'quiet', 'data-testid': 'preassign-revert' }, 'Undo changes');
  const dirtyNote = h('span', { class: 'muted', 'data-testid': 'preassign-dirty' }, 'Unsaved changes');
  const editor = h('details', { class: 'preassign-editor', 'data-testid': 'preassign-editor' },
    h('summary', {}, 'Edit by hand'),
    rows,
    h('div', { class: 'row' }, addRow),
    h('fieldset', { class: 'preassign-bulk' }, h('legend', {}, 'Add a room and paste its people'), bulkRoom, bulkEmails, bulkAdd),
    h('div', { class: 'row' }, save, revert, dirtyNote));

  const el = h('section', { class: 'card preassign-panel', 'data-testid': 'preassign-panel' },
    h('h2', {}, 'Pre-assign'),
    h('p', { class: 'muted' }, 'Who goes to which room: a room name and an email per person. People whose email matches are placed when you create rooms "Pre-assigned", and when they join later.'),
    h('div', { class: 'row' }, upload, canvas, download), canvasNote, errors, summary, missing, imported, groups, clear, editor);

  function changed() {
    ui.editorVersion++;
    app.invalidate();
  }

  function setDraft(list) {
    ui.draft = (list || []).map((e) => ({ key: ui.nextKey++, room: e.room, email: personText(e) }));
    ui.dirty = false;
    ui.rowErrors = new Map();
    changed();
  }

  /** A save or import went through: the list is the server's, the editor shows it. */
  function saved(answer, lastImport) {
    ui.list = answer.preassignments;
    ui.lastImport = lastImport;
    errors.hidden = true;
    setDraft(ui.list);
  }

  function showLineErrors(name, error) {
    errors.replaceChildren(
      h('p', {}, h('strong', {}, `${name} was not saved.`), ` ${error.errors.length === 1 ? 'One line has a problem' : `${error.errors.length} lines have problems`}; fix them and import again:`),
      h('ul', {}, error.errors.slice(0, 50).map((e) => h('li', {}, h('strong', {}, capitalize(e.field)), `: ${e.message}`)),
        error.errors.length > 50 ? h('li', {}, `… and ${error.errors.length - 50} more`) : null));
    errors.hidden = false;
  }

  async function importFile(input) {
    const chosen = input.files[0];
    if (!chosen) return;
    const bytes = await chosen.arrayBuffer();
    input.value = '';
    errors.hidden = true;
    try {
      const answer = await app.api.uploadPreassignments(bytes);
      saved(answer, { file: chosen.name, format: answer.format, unassigned: answer.unassigned || [] });
      const rooms = new Set(ui.list.map((e) => e.room)).size;
      const from = answer.format === 'canvas_csv' ? `the Canvas export ${chosen.name}` : chosen.name;
      toast(`Saved ${ui.list.length} people in ${rooms} rooms from ${from}.`, { kind: 'ok' });
    } catch (error) {
      if (error instanceof ApiError && error.errors.length) showLineErrors(chosen.name, error);
      showError(error, 'The list was not saved');
    }
  }
  file.addEventListener('change', () => importFile(file));
  canvasFile.addEventListener('change', () => importFile(canvasFile));

  download.addEventListener('click', () => {
    // Zoom's template, UTF-8 with a byte order mark (as spreadsheets save "CSV UTF-8"), CRLF.
    // It has emails only: people listed by subject are left out of it.
    const lines = [ZOOM_HEADER, ...(ui.list || []).filter((e) => e.email).map((e) => `${csvField(e.room)},${csvField(e.email)}`)];
    const blob = new Blob(['\ufeff' + lines.join('\r\n') + '\r\n'], { type: 'text/csv;charset=utf-8' });
    if (download._url) URL.revokeObjectURL(download._url);
    download._url = URL.createObjectURL(blob);
    download.href = download._url;
  });

  addRow.addEventListener('click', () => {
    const row = { key: ui.nextKey++, room: '', email: '' };
    ui.draft.push(row);
    ui.dirty = true;
    changed();
    requestAnimationFrame(() => rows.lastChild?.querySelector('input')?.focus());
  });

  bulkAdd.addEventListener('click', () => {
    const room = bulkRoom.value.trim();
    const emails = bulkEmails.value.split(/[\s,;]+/).map((e) => e.trim()).filter(Boolean);
    if (!room) { toast('Give the room a name first.', { kind: 'error' }); bulkRoom.focus(); return; }
    if (!emails.length) { toast('Paste at least one email.', { kind: 'error' }); bulkEmails.focus(); return; }
    for (const email of emails) ui.draft.push({ key: ui.nextKey++, room, email });
    bulkRoom.value = '';
    bulkEmails.value = '';
    ui.dirty = true;
    changed();
    toast(`${emails.length} ${emails.length === 1 ? 'person' : 'people'} added to ${room}. Save the list to keep them.`, { kind: 'ok' });
  });

  revert.addEventListener('click', () => setDraft(ui.list));

  save.addEventListener('click', async () => {
    // Rows left completely empty are dropped; the others are sent in order, so the server's
    // `[i].email` (or `[i].subject`) names the i-th of them.
    const sent = ui.draft.filter((r) => r.room.trim() || r.email.trim());
    save.disabled = true;
    errors.hidden = true;
    try {
      const answer = await app.api.savePreassignments(sent.map(entryOf));
      saved(answer, null);
      const rooms = new Set(ui.list.map((e) => e.room)).size;
      toast(`Saved ${ui.list.length} people in ${rooms} rooms.`, { kind: 'ok' });
    } catch (error) {
      if (error instanceof ApiError && error.errors.length) {
        ui.rowErrors = new Map();
        const general = [];
        for (const e of error.errors) {
          const match = /^\[(\d+)\](?:\.(room|email|subject))?$/.exec(e.field);
          const row = match && sent[Number(match[1])];
          if (!row) { general.push(e); continue; }
          const messages = ui.rowErrors.get(row.key) || [];
          messages.push(match[2] ? `${capitalize(match[2])}: ${e.message}` : e.message);
          ui.rowErrors.set(row.key, messages);
        }
        errors.replaceChildren(h('p', {}, h('strong', {}, 'The list was not saved. '),
          ui.rowErrors.size ? `${ui.rowErrors.size === 1 ? 'One row has a problem' : `${ui.rowErrors.size} rows have problems`}, shown beside ${ui.rowErrors.size === 1 ? 'it' : 'them'}.` : ''),
          general.length ? h('ul', {}, general.map((e) => h('li', {}, `${capitalize(e.field)}: ${e.message}`))) : null);
        errors.hidden = false;
        changed();
      }
      showError(error, 'The list was not saved');
    } finally {
      save.disabled = false;
    }
  });

  function createRow(row) {
    const room = h('input', { type: 'text', maxlength: 64, placeholder: 'Room name', 'aria-label': 'Room name', 'data-testid': 'preassign-row-room' });
    // Text, not type=email: the field also takes "subject: …".
    const email = h('input', { type: 'text', inputmode: 'email', autocomplete: 'off', spellcheck: 'false', placeholder: 'Email (or subject: …)', 'aria-label': 'Email or subject', 'data-testid': 'preassign-row-email' });
    const remove = h('button', { type: 'button', class: 'quiet', 'aria-label': 'Remove this row', 'data-testid': 'preassign-row-remove' }, '×');
    const problem = h('p', { class: 'row-error', hidden: true, 'data-testid': 'preassign-row-error' });
    const edited = () => {
      row.room = room.value;
      row.email = email.value;
      ui.dirty = true;
      if (ui.rowErrors.delete(row.key)) ui.editorVersion++;
      app.invalidate();
    };
    room.addEventListener('input', edited);
    email.addEventListener('input', edited);
    remove.addEventListener('click', () => {
      ui.draft = ui.draft.filter((r) => r.key !== row.key);
      ui.rowErrors.delete(row.key);
      ui.dirty = true;
      changed();
    });
    return h('div', { class: 'preassign-row', 'data-testid': 'preassign-row' }, room, email, remove, problem);
  }

  function updateRow(el, row) {
    const [room, email, , problem] = el.children;
    if (room.value !== row.room) room.value = row.room;
    if (email.value !== row.email) email.value = row.email;
    const messages = ui.rowErrors.get(row.key);
    setText(problem, messages ? messages.join(' ') : '');
    setHidden(problem, !messages);
    el.classList.toggle('invalid', !!messages);
  }

  async function load() {
    if (ui.loading || app.state.you.role !== 'host') return;
    ui.loading = true;
    try {
      const list = await app.api.preassignments();
      ui.list = list;
      if (!ui.dirty) setDraft(list);
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
      // Whether someone listed by subject is here cannot be told from the meeting's state (it
      // shows no subjects): they are counted apart.
      const bySubject = list.filter((e) => e.subject != null).length;
      const absent = list.filter((e) => e.email && !joined.has(e.email));
      setText(summary, list.length
        ? `${list.length} people in ${byRoom.size} rooms; ${list.length - bySubject - absent.length} have joined, ${absent.length} not yet`
          + (bySubject ? `; ${bySubject} listed by subject, placed when they sign in.` : '.')
        : 'No list yet.');
      setText(missing, absent.length
        ? `Not joined yet: ${absent.slice(0, 10).map((e) => e.email).join(', ')}${absent.length > 10 ? `, and ${absent.length - 10} more` : ''}.`
        : '');
      setHidden(missing, absent.length === 0);
      const last = ui.lastImport;
      if (last && last.format === 'canvas_csv') {
        const n = last.unassigned.length;
        const who = last.unassigned.slice(0, 10).map((u) => u.name ? (u.login ? `${u.name} (${u.login})` : u.name) : (u.login || `line ${u.line}`));
        setText(imported, `From the Canvas export ${last.file}: ${list.length} in groups, ${n} in no group${n ? ` (not assigned: ${who.join('; ')}${n > 10 ? `; and ${n - 10} more` : ''})` : ''}.`);
        setHidden(imported, false);
      } else {
        setHidden(imported, true);
      }
      setHidden(clear, list.length === 0);
      syncChildren(groups, [...byRoom.entries()], ([room]) => room,
        () => h('details', { class: 'preassign-room' }, h('summary', {}), h('ul', {})),
        (details, [room, entries]) => {
          setText(details.firstChild, `${room} (${entries.length})`);
          const lines = entries.map((e) => {
            if (!e.email) return personText(e);
            const p = joined.get(e.email);
            return p ? `${e.email} — joined as ${p.displayName}` : `${e.email} — not here yet`;
          });
          const ul = details.lastChild;
          if (ul._text !== lines.join('\n')) {
            ul._text = lines.join('\n');
            ul.replaceChildren(...lines.map((l) => h('li', {}, l)));
          }
        });
      setHidden(dirtyNote, !ui.dirty);
      setHidden(revert, !ui.dirty);
      // The editor's rows change only when the host edits them or a list is saved: not redrawn
      // for every live event.
      if (ui.drawnVersion !== ui.editorVersion) {
        ui.drawnVersion = ui.editorVersion;
        syncChildren(rows, ui.draft, (r) => r.key, createRow, updateRow);
      }
    },
    notice(type) {
      if (type === 'role_changed') load();
    },
  };
}

/**
 * A CSV field as RFC 4180 writes it: quoted when it holds a comma, a quote or a line break. Text a
 * spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage return) goes
 * after a ', which spreadsheets show as text, as the attendance CSV does; the service reads such a
 * field back without it when the file is uploaded again.
 */
function csvField(text) {
  const value = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function capitalize(text) {
  return text ? text[0].toUpperCase() + text.slice(1) : text;
}
