// The breakout rooms: the form that creates them (a number of rooms or rooms of N people, with a
// hint of how people will be spread, and the rotation's summary after "New groups"), once there
// are rooms a card per room to rename, delete or join it, after closing the last groups (who was
// in which room, from the attendance) until new rooms are made, and the attendance as CSV.
import { h, setText, setHidden, setDisabled, setClass, syncChildren, confirmButton } from '../dom.js';
import { act } from '../actions.js';

/** The modes that take "rooms of N" (roomSize) besides a number of rooms. */
const SIZED_MODES = new Set(['automatic', 'rotate']);

/** "2 pairs meet again (a random split: 6)." from a create answer's `rotation`. */
export function describeRotation(r) {
  const again = r.repeatedPairs === 0 ? 'Nobody meets again' : `${r.repeatedPairs} pair${r.repeatedPairs === 1 ? '' : 's'} meet again`;
  return `${again}; a random split would have had ${r.randomRepeatedPairs} pair${r.randomRepeatedPairs === 1 ? '' : 's'} meet again.`;
}

/**
 * The last round's groups from attendance spans: its rooms in the order people first entered
 * them, each with the names of the participants who were in it (hosts hopping left out).
 */
export function lastGroups(spans, isManager) {
  const round = Math.max(0, ...spans.map((s) => s.round));
  if (!round) return null;
  const rooms = new Map();
  for (const s of spans) {
    if (s.round !== round || isManager(s.participantId)) continue;
    const room = rooms.get(s.roomId) || rooms.set(s.roomId, { roomId: s.roomId, roomName: s.roomName, people: new Map() }).get(s.roomId);
    room.people.set(s.participantId, s.displayName);
  }
  return { round, rooms: [...rooms.values()].map((r) => ({ ...r, names: [...r.people.values()] })) };
}

export function roomsSection(app, preassign) {
  const api = app.api;
  // Creating rooms: a number of rooms, or rooms of N people (automatic and rotate only).
  const count = h('input', { type: 'number', min: 1, max: 100, value: 2, name: 'roomCount', 'data-testid': 'room-count', 'aria-label': 'Number of rooms', required: true });
  const size = h('input', { type: 'number', min: 2, max: 50, value: 3, name: 'roomSize', 'data-testid': 'room-size', 'aria-label': 'People per room' });
  const byCount = h('input', { type: 'radio', name: 'roomsBy', value: 'count', checked: true, 'data-testid': 'rooms-by-count' });
  const bySize = h('input', { type: 'radio', name: 'roomsBy', value: 'size', 'data-testid': 'rooms-by-size' });
  count.addEventListener('input', () => { byCount.checked = true; app.invalidate(); });
  size.addEventListener('input', () => { if (!bySize.disabled) bySize.checked = true; app.invalidate(); });
  const keepNote = h('p', { class: 'muted', hidden: true, 'data-testid': 'keep-note' }, 'The rooms of the last breakout, with the same names.');
  const sizing = h('fieldset', { class: 'room-sizing', 'data-testid': 'room-sizing' }, h('legend', {}, 'Rooms'),
    h('div', { class: 'sizing-choice' }, h('label', { class: 'radio' }, byCount, h('span', {}, 'A number of rooms')), count),
    h('div', { class: 'sizing-choice' }, h('label', { class: 'radio' }, bySize, h('span', {}, 'Rooms of N people')), size),
    keepNote);
  const modes = [
    ['automatic', 'Automatically', 'Spread participants evenly over the rooms.'],
    ['rotate', 'New groups', 'People meet someone new: as few as possible who already shared a room meet again.'],
    ['keep', 'Same as last time', 'The groups of the last breakout again; newcomers fill the smallest rooms.'],
    ['manual', 'Manually', 'You choose a room for each person.'],
    ['self_select', 'Let participants choose room', 'Everyone picks a room once they are open.'],
    ['preassigned', 'Pre-assigned', 'From your pre-assignment list (typed in, or imported from a CSV or Canvas).'],
  ];
  const modeInputs = modes.map(([value, label, hint], index) => h('label', { class: 'radio' },
    h('input', { type: 'radio', name: 'mode', value, checked: index === 0, 'data-testid': `mode-${value}` }),
    h('span', {}, h('strong', {}, label), h('span', { class: 'muted' }, hint))));
  const createHint = h('p', { class: 'muted', 'data-testid': 'create-hint' });
  const createButton = h('button', { type: 'submit', class: 'primary', 'data-testid': 'create-rooms' }, 'Create rooms');
  const createForm = h('form', { class: 'create-form', 'data-testid': 'create-rooms-form' },
    sizing,
    h('fieldset', {}, h('legend', {}, 'Assign participants'), modeInputs),
    createHint, createButton);
  const selectedMode = () => createForm.querySelector('input[name=mode]:checked')?.value || 'automatic';
  const bySizeChosen = () => bySize.checked && SIZED_MODES.has(selectedMode());
  // The rotation's summary belongs to the rooms it made (their first room's id).
  let rotation = null;
  createForm.addEventListener('change', () => app.invalidate());
  createForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const mode = selectedMode();
    const body = { mode };
    if (mode !== 'keep') {
      if (bySizeChosen()) body.roomSize = Number(size.value);
      else body.roomCount = Number(count.value);
    }
    const answer = await act(createButton, () => api.createRooms(body), {
      success: (b) => `${b.rooms.length} room${b.rooms.length === 1 ? '' : 's'} created.${b.rotation ? ` ${describeRotation(b.rotation)}` : ''}`,
      what: 'Could not create the rooms',
    });
    rotation = answer?.rotation ? { ...answer.rotation, firstRoomId: answer.rooms[0]?.id } : null;
    app.invalidate();
  });

  // The rooms.
  const cards = h('div', { class: 'room-cards', 'data-testid': 'room-cards' });
  const addRoom = h('button', { type: 'button', 'data-testid': 'add-room' }, '+ Add a room');
  addRoom.addEventListener('click', () => act(addRoom, () => api.addRoom(), { success: (r) => `Added ${r.name}.`, what: 'Could not add a room' }));
  const recreate = confirmButton('Recreate', 'Discard these rooms? Click again', () => act(null, () => api.discardBreakout(), {
    success: 'Rooms discarded. Create new ones below.', what: 'Could not discard the rooms',
  }), { 'data-testid': 'recreate', class: 'quiet' });
  const modeLine = h('p', { class: 'muted mode-line' });
  const rotationLine = h('p', { class: 'rotation-summary', hidden: true, 'data-testid': 'rotation-summary' });
  const roomsArea = h('div', {}, modeLine, rotationLine, cards, h('div', { class: 'row' }, addRoom, recreate));

  // After closing: who was in which room in the last round, until new rooms are made.
  const last = { groups: null, loading: false, loadedFor: null };
  const lastHeading = h('h3', { id: 'last-groups-heading' }, 'Last groups');
  const lastList = h('ul', { class: 'last-groups-list', 'data-testid': 'last-groups-list' });
  const lastArea = h('section', { class: 'last-groups', hidden: true, 'aria-labelledby': 'last-groups-heading', 'data-testid': 'last-groups' },
    lastHeading, lastList);
  async function loadLastGroups() {
    if (last.loading) return;
    last.loading = true;
    try {
      const answer = await api.attendance();
      const isManager = (id) => {
        const role = app.state.participants.get(id)?.role;
        return role === 'host' || role === 'cohost';
      };
      last.groups = lastGroups(answer.spans, isManager);
    } catch {
      last.groups = null; // the last groups are a help, not a must: the rooms still work
    } finally {
      last.loading = false;
      last.loadedFor = app.state.seq;
      app.invalidate();
    }
  }

  // The attendance as CSV: fetched with the token, saved through a blob: URL.
  const downloadAttendance = h('button', { type: 'button', 'data-testid': 'download-attendance' }, 'Download attendance (CSV)');
  downloadAttendance.addEventListener('click', () => act(downloadAttendance, async () => {
    const blob = await api.attendanceCsv();
    const url = URL.createObjectURL(blob);
    const link = h('a', { href: url, download: `attendance-${app.state.meeting.code}.csv`, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }, { success: 'Attendance downloaded.', what: 'Could not download the attendance' }));
  const attendanceRow = h('div', { class: 'row attendance-row' }, downloadAttendance,
    h('span', { class: 'muted small-print' }, 'Who was in which room, from when to when.'));

  const title = h('h2', {}, 'Breakout Rooms');
  const el = h('section', { class: 'card rooms-panel', 'data-testid': 'rooms-panel' }, title, lastArea, createForm, roomsArea, attendanceRow);
  const editing = { roomId: null };

  function createCard(room) {
    const name = h('h3', { class: 'room-name' });
    const countBadge = h('span', { class: 'count', 'data-testid': 'room-count-badge' });
    const members = h('p', { class: 'members' });
    const renameInput = h('input', { type: 'text', maxlength: 64, 'aria-label': 'Room name', 'data-testid': 'rename-input' });
    const renameForm = h('form', { class: 'rename', hidden: true },
      renameInput, h('button', { type: 'submit', class: 'primary' }, 'Save'),
      h('button', { type: 'button', class: 'quiet', onclick: () => stopEditing() }, 'Cancel'));
    const join = h('button', { type: 'button', 'data-testid': 'join-room' }, 'Join');
    const rename = h('button', { type: 'button', class: 'quiet', 'data-testid': 'rename-room' }, 'Rename');
    const del = confirmButton('Delete', 'Delete? Click again', () => act(null, () => api.deleteRoom(room.id), {
      success: 'Room deleted.', what: 'Could not delete the room',
    }), { class: 'quiet', 'data-testid': 'delete-room' });
    const stopEditing = () => { editing.roomId = null; app.invalidate(); };
    rename.addEventListener('click', () => {
      editing.roomId = room.id;
      renameInput.value = app.state.room(room.id)?.name || '';
      app.invalidate();
      requestAnimationFrame(() => { renameInput.focus(); renameInput.select(); });
    });
    renameInput.addEventListener('keydown', (event) => { if (event.key === 'Escape') stopEditing(); });
    renameForm.addEventListener('submit', async (event) => {
      event.preventDefault();
      const result = await act(renameForm.querySelector('button'), () => api.renameRoom(room.id, renameInput.value), {
        success: (r) => `Renamed to ${r.name}.`, what: 'Could not rename the room',
      });
      if (result) stopEditing();
    });
    join.addEventListener('click', () => act(join, () => api.move(room.id), { what: 'Could not join the room' }));
    return h('article', { class: 'room-card', 'data-room-id': room.id, 'data-testid': 'room-card' },
      h('header', {}, name, countBadge), renameForm, members, h('div', { class: 'row' }, join, rename, del));
  }

  function renderLastGroups(b) {
    const groups = last.groups;
    // Shown with no rooms, or with the rooms that closed; gone once new rooms are made.
    const show = !!groups && groups.rooms.length > 0
      && (b.status === 'none' || (b.status === 'ready' && groups.rooms.some((r) => app.state.room(r.roomId))));
    setHidden(lastArea, !show);
    if (!show) return;
    setText(lastHeading, `Last groups (round ${groups.round})`);
    syncChildren(lastList, groups.rooms, (r) => r.roomId,
      () => h('li', { 'data-testid': 'last-group' }, h('strong', {}), h('span', {})),
      (li, room) => {
        setText(li.children[0], `${app.state.room(room.roomId)?.name || room.roomName}: `);
        setText(li.children[1], room.names.join(', ') || 'nobody');
      });
  }

  return {
    el,
    notice(type) {
      // The rooms closed: who was where is now the last groups.
      if (type === 'breakout_closed') loadLastGroups();
    },
    render() {
      const state = app.state;
      const b = state.breakout;
      const none = b.status === 'none';
      if ((b.status === 'none' || b.status === 'ready') && last.loadedFor === null) loadLastGroups();
      renderLastGroups(b);
      setHidden(createForm, !none);
      setHidden(roomsArea, none);
      setHidden(attendanceRow, !state.isManager);
      const participants = [...state.participants.values()].filter((p) => p.role === 'participant').length;
      if (none) {
        const mode = selectedMode();
        const sized = SIZED_MODES.has(mode);
        setDisabled(bySize, !sized);
        if (!sized && bySize.checked) byCount.checked = true;
        setDisabled(size, !sized);
        setDisabled(byCount, mode === 'keep');
        setDisabled(count, mode === 'keep');
        setHidden(keepNote, mode !== 'keep');
        const n = Math.max(1, Number(count.value) || 1);
        const perRoom = Math.max(2, Number(size.value) || 2);
        const rooms = bySizeChosen() ? Math.max(1, Math.ceil(participants / perRoom)) : n;
        let hint = `${participants} participant${participants === 1 ? '' : 's'} in the meeting`;
        if (mode === 'automatic' || mode === 'rotate') {
          hint += bySizeChosen()
            ? ` — ${rooms} room${rooms === 1 ? '' : 's'} of about ${perRoom}.`
            : ` — about ${Math.ceil(participants / n)} per room.`;
          if (mode === 'rotate') hint += ' Pairs who shared a room in this meeting are split up where possible.';
        } else if (mode === 'keep') {
          hint += ' — each back in their last room; newcomers fill the smallest rooms.';
        } else if (mode === 'preassigned') {
          const list = preassign.summary();
          hint = list
            ? `Your list names ${list.rooms} room${list.rooms === 1 ? '' : 's'} for ${list.entries} people; ${list.joined} of them are here. Rooms: at least ${list.rooms}.`
            : (app.state.isHost ? 'Make a list under "Pre-assign" first.' : 'The host makes the list under "Pre-assign".');
        } else hint += '.';
        setText(createHint, hint);
        return;
      }
      const modeLabel = { automatic: 'assigned automatically', manual: 'assigned manually', self_select: 'participants choose', preassigned: 'pre-assigned', rotate: 'new groups: people meet someone new', keep: 'same groups as last time' }[b.mode] || '';
      setText(modeLine, `${b.rooms.length} room${b.rooms.length === 1 ? '' : 's'}, ${modeLabel}.`);
      const showRotation = b.mode === 'rotate' && rotation && b.rooms[0]?.id === rotation.firstRoomId;
      setHidden(rotationLine, !showRotation);
      if (showRotation) setText(rotationLine, describeRotation(rotation));
      const assigned = new Map();
      const present = new Map();
      for (const p of state.participants.values()) {
        if (p.assignedRoomId) (assigned.get(p.assignedRoomId) || assigned.set(p.assignedRoomId, []).get(p.assignedRoomId)).push(p);
        if (p.location) (present.get(p.location) || present.set(p.location, []).get(p.location)).push(p);
      }
      const open = b.status === 'open';
      const myLocation = state.me?.location;
      syncChildren(cards, b.rooms, (r) => r.id, createCard, (card, room) => {
        const [header, renameForm, members, actions] = card.children;
        setText(header.children[0], room.name);
        const inRoom = present.get(room.id) || [];
        const assignedHere = assigned.get(room.id) || [];
        setText(header.children[1], b.status === 'ready' || b.status === 'none'
          ? `${assignedHere.length} assigned` : `${inRoom.length} here · ${assignedHere.length} assigned`);
        const names = (b.status === 'open' || b.status === 'closing')
          ? (inRoom.length ? inRoom : []).map((p) => p.displayName)
          : assignedHere.map((p) => p.displayName);
        let text = names.slice(0, 40).join(', ');
        if (names.length > 40) text += `, and ${names.length - 40} more`;
        if (!text) text = b.status === 'open' || b.status === 'closing' ? 'Nobody here yet.' : 'Nobody assigned yet.';
        setText(members, text);
        setClass(card, 'mine', myLocation === room.id);
        const isEditing = editing.roomId === room.id;
        setHidden(renameForm, !isEditing);
        setHidden(header, isEditing);
        const join = actions.children[0];
        setDisabled(join, !open || myLocation === room.id);
        setText(join, myLocation === room.id ? 'You are here' : 'Join');
        join.title = open ? '' : 'You can join rooms once they are open.';
      });
    },
  };
}
