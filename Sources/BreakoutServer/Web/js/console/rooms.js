// The breakout rooms: the form that creates them (with a hint of how people will be spread) and,
// once there are rooms, a card per room to rename, delete or join it.
import { h, setText, setHidden, setDisabled, setClass, syncChildren, confirmButton } from '../dom.js';
import { act } from '../actions.js';

export function roomsSection(app, preassign) {
  const api = app.api;
  // Creating rooms.
  const count = h('input', { type: 'number', min: 1, max: 100, value: 2, name: 'roomCount', 'data-testid': 'room-count', required: true });
  const modes = [
    ['automatic', 'Automatically', 'Spread participants evenly over the rooms.'],
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
    h('label', {}, 'Number of rooms', count),
    h('fieldset', {}, h('legend', {}, 'Assign participants'), modeInputs),
    createHint, createButton);
  const selectedMode = () => createForm.querySelector('input[name=mode]:checked')?.value || 'automatic';
  createForm.addEventListener('change', () => app.invalidate());
  createForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const n = Number(count.value);
    await act(createButton, () => api.createBreakout(n, selectedMode()), {
      success: (b) => `${b.rooms.length} rooms created.`, what: 'Could not create the rooms',
    });
  });

  // The rooms.
  const cards = h('div', { class: 'room-cards', 'data-testid': 'room-cards' });
  const addRoom = h('button', { type: 'button', 'data-testid': 'add-room' }, '+ Add a room');
  addRoom.addEventListener('click', () => act(addRoom, () => api.addRoom(), { success: (r) => `Added ${r.name}.`, what: 'Could not add a room' }));
  const recreate = confirmButton('Recreate', 'Discard these rooms? Click again', () => act(null, () => api.discardBreakout(), {
    success: 'Rooms discarded. Create new ones below.', what: 'Could not discard the rooms',
  }), { 'data-testid': 'recreate', class: 'quiet' });
  const modeLine = h('p', { class: 'muted mode-line' });
  const roomsArea = h('div', {}, modeLine, cards, h('div', { class: 'row' }, addRoom, recreate));

  const title = h('h2', {}, 'Breakout Rooms');
  const el = h('section', { class: 'card rooms-panel', 'data-testid': 'rooms-panel' }, title, createForm, roomsArea);
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

  return {
    el,
    render() {
      const state = app.state;
      const b = state.breakout;
      const none = b.status === 'none';
      setHidden(createForm, !none);
      setHidden(roomsArea, none);
      const participants = [...state.participants.values()].filter((p) => p.role === 'participant').length;
      if (none) {
        const n = Math.max(1, Number(count.value) || 1);
        const mode = selectedMode();
        let hint = `${participants} participant${participants === 1 ? '' : 's'} in the meeting`;
        if (mode === 'automatic') hint += ` — about ${Math.ceil(participants / n)} per room.`;
        else if (mode === 'preassigned') {
          const list = preassign.summary();
          hint = list
            ? `Your list names ${list.rooms} room${list.rooms === 1 ? '' : 's'} for ${list.entries} people; ${list.joined} of them are here. Rooms: at least ${list.rooms}.`
            : (app.state.isHost ? 'Make a list under "Pre-assign" first.' : 'The host makes the list under "Pre-assign".');
        } else hint += '.';
        setText(createHint, hint);
        return;
      }
      const modeLabel = { automatic: 'assigned automatically', manual: 'assigned manually', self_select: 'participants choose', preassigned: 'pre-assigned', rotate: 'rotated to meet new people', keep: 'same groups as last time' }[b.mode] || '';
      setText(modeLine, `${b.rooms.length} room${b.rooms.length === 1 ? '' : 's'}, ${modeLabel}.`);
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
