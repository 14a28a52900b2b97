// The console of the host and the co-hosts: share the code, set up the rooms, assign people, set
// the options, open and close, broadcast, hop between rooms, work the help queue, mute.
// Everything is drawn from the meeting's state once per animation frame; lists keep their
// elements by id, so a live update never steals focus or closes an open menu.
import { h, setText, setHidden, setDisabled, setClass, setOptions, syncChildren, formatRemaining, characterCount, confirmButton, toast, noticeBoard } from './dom.js';
import { serverNow } from './api.js';
import { act } from './actions.js';
import { mountPreassignments } from './preassign.js';

const maxBroadcast = 140;
const pageSize = 300;

export function mountConsole(main, app) {
  const api = app.api;
  const isHost = () => app.state.you.role === 'host';
  const sections = [];
  const add = (section) => { sections.push(section); return section.el; };

  const share = add(shareSection(app));
  const status = add(statusSection(app));
  const notices = noticeBoard();
  const rooms = add(roomsSection(app));
  const people = add(peopleSection(app));
  const help = add(helpSection(app));
  const broadcast = add(broadcastSection(app));
  const options = add(optionsSection(app));
  const preassign = mountPreassignments(app);
  sections.push(preassign);
  const footer = add(footerSection(app));

  main.append(share, status, notices.el,
    h('div', { class: 'console-grid' },
      h('div', { class: 'column column-main' }, rooms, people),
      h('div', { class: 'column column-side' }, help, broadcast, options, preassign.el)),
    footer);

  return {
    render() {
      for (const section of sections) section.render();
    },
    tick() {
      for (const section of sections) section.tick?.();
    },
    notice(type, e) {
      const state = app.state;
      if (type === 'broadcast') {
        const from = e.from === state.you.participantId ? 'You' : state.participants.get(e.from)?.displayName || 'A host';
        notices.add(`${from} to ${e.roomId ? state.roomName(e.roomId) : 'everyone'}: ${e.message}`, 'broadcast', 'broadcast');
      } else if (type === 'time_up') {
        notices.add(state.breakout.options?.closeWhenTimeUp
          ? 'Time is up: the breakout rooms are closing.'
          : 'Time is up for the breakout rooms. Close them when you are ready.', 'warn', 'time-up');
      } else if (type === 'help_requested') {
        const who = state.participants.get(e.request.participantId)?.displayName || 'Someone';
        notices.add(`${who} asks for help in ${state.roomName(e.request.roomId)}.`, 'warn', 'help-notice');
      }
      for (const section of sections) section.notice?.(type, e);
    },
    destroy() {},
  };

  // MARK: Sections, each { el, render(), tick?(), notice?() }

  function shareSection() {
    const code = h('strong', { class: 'code', 'data-testid': 'join-code' });
    const link = h('a', { class: 'join-link', 'data-testid': 'join-link' });
    const copy = (text, what) => async () => {
      try {
        await navigator.clipboard.writeText(text());
        toast(`${what} copied.`, { kind: 'ok' });
      } catch {
        toast(`Select the ${what.toLowerCase()} and copy it by hand.`, { kind: 'info' });
      }
    };
    const linkUrl = () => `${location.origin}/?code=${app.state.meeting.code}`;
    const el = h('section', { class: 'share card' },
      h('div', { class: 'share-item' }, h('span', { class: 'label' }, 'Join code'), code,
        h('button', { type: 'button', class: 'quiet', onclick: copy(() => app.state.meeting.code, 'Code') }, 'Copy code')),
      h('div', { class: 'share-item' }, h('span', { class: 'label' }, 'Join link'), link,
        h('button', { type: 'button', class: 'quiet', onclick: copy(linkUrl, 'Link') }, 'Copy link')));
    return {
      el,
      render() {
        setText(code, app.state.meeting.code);
        const url = linkUrl();
        if (link.href !== url) { link.href = url; link.textContent = url; }
      },
    };
  }

  function statusSection() {
    const text = h('strong', { class: 'status-text', 'data-testid': 'status-text' });
    const time = h('span', { class: 'status-time', 'data-testid': 'status-time' });
    const openButton = h('button', { type: 'button', class: 'primary', 'data-testid': 'open-all' }, 'Open all rooms');
    const closeButton = h('button', { type: 'button', class: 'danger', 'data-testid': 'close-all' }, 'Close all rooms');
    const whereText = h('span', { 'data-testid': 'my-location' });
    const leaveRoom = h('button', { type: 'button', 'data-testid': 'leave-room' }, 'Leave breakout room');
    openButton.addEventListener('click', () => act(openButton, () => api.open(), { success: 'Rooms are open.', what: 'Could not open the rooms' }));
    closeButton.addEventListener('click', () => act(closeButton, () => api.close(), {
      success: (r) => (r?.closingEndsAt ? 'Closing: everyone sees the countdown.' : 'Rooms closed.'),
      what: 'Could not close the rooms',
    }));
    leaveRoom.addEventListener('click', () => act(leaveRoom, () => api.move(null), { what: 'Could not leave the room' }));
    const el = h('section', { class: 'statusbar', 'data-testid': 'statusbar' },
      h('div', { class: 'status-main' }, text, time),
      h('div', { class: 'status-where' }, whereText, leaveRoom),
      h('div', { class: 'status-actions' }, openButton, closeButton));
    const tick = () => {
      const b = app.state.breakout;
      let t = '';
      if (b.status === 'open' && b.timerEndsAt) t = `${formatRemaining(Date.parse(b.timerEndsAt) - serverNow())} left`;
      if (b.status === 'closing' && b.closingEndsAt) t = `everyone returns in ${formatRemaining(Date.parse(b.closingEndsAt) - serverNow())}`;
      setText(time, t);
    };
    return {
      el,
      tick,
      render() {
        const b = app.state.breakout;
        const label = {
          none: 'Breakout rooms: not set up yet',
          ready: 'Breakout rooms ready — not open yet',
          open: 'Breakout Rooms – In Progress',
          closing: 'Breakout rooms closing',
        }[b.status];
        setText(text, label);
        el.dataset.status = b.status;
        setHidden(openButton, b.status !== 'ready');
        setHidden(closeButton, b.status !== 'open');
        const me = app.state.me;
        setText(whereText, `You are in: ${app.state.roomName(me?.location)}`);
        setHidden(leaveRoom, !me?.location);
        tick();
      },
    };
  }

  function roomsSection() {
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
              : (isHost() ? 'Make a list under "Pre-assign" first.' : 'The host makes the list under "Pre-assign".');
          } else hint += '.';
          setText(createHint, hint);
          return;
        }
        const modeLabel = { automatic: 'assigned automatically', manual: 'assigned manually', self_select: 'participants choose', preassigned: 'pre-assigned' }[b.mode] || '';
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

  function peopleSection() {
    const title = h('h2', {}, 'Participants');
    const summary = h('p', { class: 'muted', 'data-testid': 'people-summary' });
    const filter = h('input', { type: 'search', placeholder: 'Filter by name or email', 'aria-label': 'Filter participants', 'data-testid': 'people-filter' });
    const scope = h('select', { 'aria-label': 'Show', 'data-testid': 'people-scope' });
    const unmuteAll = h('button', { type: 'button', 'data-testid': 'unmute-all' }, 'Unmute all');
    const list = h('ul', { class: 'people', 'data-testid': 'people-list' });
    const more = h('button', { type: 'button', class: 'quiet', hidden: true, 'data-testid': 'show-more' }, 'Show more');
    const ui = { limit: pageSize };
    for (const type of ['input', 'change', 'search']) filter.addEventListener(type, () => { ui.limit = pageSize; app.invalidate(); });
    scope.addEventListener('change', () => { ui.limit = pageSize; app.invalidate(); });
    more.addEventListener('click', () => { ui.limit += pageSize; app.invalidate(); });
    unmuteAll.addEventListener('click', () => act(unmuteAll, () => api.unmuteAll(), {
      success: (r) => (r.participantIds.length
        ? `Unmuted ${r.participantIds.length} ${r.participantIds.length === 1 ? 'person' : 'people'} in ${app.state.roomName(app.state.me?.location)}.`
        : `Nobody in ${app.state.roomName(app.state.me?.location)} is muted. (You can lift mutes only where you are.)`),
      what: 'Could not unmute',
    }));
    const el = h('section', { class: 'card people-panel', 'data-testid': 'people-panel' },
      h('div', { class: 'panel-head' }, title, unmuteAll),
      summary, h('div', { class: 'row filters' }, filter, scope), list, more);

    function createRow(p) {
      const name = h('span', { class: 'name' });
      const role = h('span', { class: 'role-badge' });
      const email = h('span', { class: 'email muted' });
      const where = h('span', { class: 'where' });
      const assign = h('select', { class: 'assign', 'aria-label': `Room for ${p.displayName}`, 'data-testid': 'assign-select' });
      const mute = h('button', { type: 'button', class: 'quiet', 'data-testid': 'mute-toggle' });
      const cohost = h('button', { type: 'button', class: 'quiet', 'data-testid': 'cohost-toggle' });
      assign.addEventListener('change', async () => {
        const roomId = assign.value || null;
        await act(assign, () => api.assign(p.id, roomId), {
          success: () => `${app.state.participants.get(p.id)?.displayName} → ${roomId ? app.state.roomName(roomId) : 'unassigned'}.`,
          what: 'Could not assign',
        });
        app.invalidate();
      });
      mute.addEventListener('click', () => {
        const muted = !app.state.participants.get(p.id)?.mutedByHost;
        act(mute, () => api.setMute(p.id, muted), { what: muted ? 'Could not mute' : 'Could not unmute' });
      });
      cohost.addEventListener('click', () => {
        const role = app.state.participants.get(p.id)?.role === 'cohost' ? 'participant' : 'cohost';
        act(cohost, () => api.setRole(p.id, role), {
          success: `${app.state.participants.get(p.id)?.displayName} is now ${role === 'cohost' ? 'a co-host' : 'a participant'}.`,
          what: 'Could not change the role',
        });
      });
      const remove = confirmButton('Remove', 'Remove? Click again', () => act(null, () => api.remove(p.id), {
        success: `${p.displayName} was removed from the meeting.`, what: 'Could not remove',
      }), { class: 'quiet', 'data-testid': 'remove-person' });
      return h('li', { class: 'person', 'data-participant-id': p.id, 'data-testid': 'person' },
        h('div', { class: 'person-id' }, name, role, email),
        h('div', { class: 'person-where' }, where),
        h('div', { class: 'person-actions' }, assign, mute, cohost, remove));
    }

    return {
      el,
      render() {
        const state = app.state;
        const b = state.breakout;
        const hasRooms = b.status !== 'none';
        const all = [...state.participants.values()];
        const unassigned = hasRooms ? all.filter((p) => p.role === 'participant' && !p.assignedRoomId).length : 0;
        setText(title, `Participants (${all.length})`);
        const scopes = [{ value: 'all', label: 'Everyone' }];
        if (hasRooms) {
          scopes.push({ value: 'unassigned', label: `Unassigned (${unassigned})` }, { value: 'main', label: 'In the main session' });
          const counts = new Map();
          for (const p of all) if (p.assignedRoomId) counts.set(p.assignedRoomId, (counts.get(p.assignedRoomId) || 0) + 1);
          for (const r of b.rooms) scopes.push({ value: `room:${r.id}`, label: `${r.name} (${counts.get(r.id) || 0})` });
        }
        const scopeValue = scopes.some((s) => s.value === scope.value) ? scope.value : 'all';
        setOptions(scope, scopes, scopeValue);
        setHidden(scope, !hasRooms);
        const needle = filter.value.trim().toLowerCase();
        const matches = all.filter((p) => {
          if (needle && !p.displayName.toLowerCase().includes(needle) && !(p.email || '').includes(needle)) return false;
          if (scopeValue === 'unassigned') return p.role === 'participant' && !p.assignedRoomId;
          if (scopeValue === 'main') return !p.location;
          if (scopeValue.startsWith('room:')) return p.assignedRoomId === scopeValue.slice(5) || p.location === scopeValue.slice(5);
          return true;
        });
        const shown = matches.slice(0, ui.limit);
        setText(summary, [
          hasRooms ? `${unassigned} unassigned` : null,
          matches.length !== all.length ? `${matches.length} match` : null,
          shown.length < matches.length ? `showing ${shown.length} of ${matches.length} — filter by name to find someone` : null,
        ].filter(Boolean).join(' · '));
        setHidden(more, shown.length >= matches.length);
        const roomOptions = [{ value: '', label: hasRooms ? 'Unassigned' : 'No rooms yet' }, ...b.rooms.map((r) => ({ value: r.id, label: r.name }))];
        const host = isHost();
        const me = state.you.participantId;
        syncChildren(list, shown, (p) => p.id, createRow, (li, p) => {
          const [id, whereBox, actions] = li.children;
          setText(id.children[0], p.displayName + (p.id === me ? ' (you)' : ''));
          setText(id.children[1], p.role === 'host' ? 'Host' : p.role === 'cohost' ? 'Co-host' : '');
          setHidden(id.children[1], p.role === 'participant');
          setText(id.children[2], p.email || '');
          let where = state.roomName(p.location);
          if (p.mutedByHost) where += ' · muted';
          setText(whereBox.children[0], where);
          setClass(li, 'in-room', !!p.location);
          setClass(li, 'unassigned', hasRooms && p.role === 'participant' && !p.assignedRoomId);
          const [assign, mute, cohost, remove] = actions.children;
          setHidden(remove, !host || p.role === 'host');
          setOptions(assign, roomOptions, p.assignedRoomId || '');
          setDisabled(assign, !hasRooms);
          setText(mute, p.mutedByHost ? 'Unmute' : 'Mute');
          setHidden(mute, p.role === 'host' || p.id === me);
          setText(cohost, p.role === 'cohost' ? 'Make participant' : 'Make co-host');
          setHidden(cohost, !host || p.role === 'host');
        });
      },
    };
  }

  function helpSection() {
    const list = h('ul', { class: 'help-queue', 'data-testid': 'help-queue' });
    const empty = h('p', { class: 'muted' }, 'Nobody has asked for help.');
    const title = h('h2', {}, 'Help requests');
    const el = h('section', { class: 'card help-panel', 'data-testid': 'help-panel' }, title, empty, list);

    function createItem(request) {
      const text = h('p', { class: 'help-text' });
      const take = h('button', { type: 'button', class: 'primary', 'data-testid': 'help-take' }, 'Take and join room');
      const join = h('button', { type: 'button', 'data-testid': 'help-join' }, 'Join room');
      const resolve = h('button', { type: 'button', 'data-testid': 'help-resolve' }, 'Resolve');
      take.addEventListener('click', () => act(take, async () => {
        const taken = await api.takeHelp(request.id);
        if (app.state.me?.location !== taken.roomId) await api.move(taken.roomId);
        return taken;
      }, { success: (r) => `You took it and joined ${app.state.roomName(r.roomId)}.`, what: 'Could not take the request' }));
      join.addEventListener('click', () => act(join, () => api.move(app.state.helpRequests.get(request.id)?.roomId), { what: 'Could not join the room' }));
      resolve.addEventListener('click', () => act(resolve, () => api.resolveHelp(request.id), { success: 'Resolved.', what: 'Could not resolve' }));
      return h('li', { 'data-testid': 'help-request', 'data-request-id': request.id }, text, h('div', { class: 'row' }, take, join, resolve));
    }

    return {
      el,
      render() {
        const state = app.state;
        const requests = [...state.helpRequests.values()];
        setText(title, requests.length ? `Help requests (${requests.length})` : 'Help requests');
        setHidden(empty, requests.length > 0);
        syncChildren(list, requests, (r) => r.id, createItem, (li, r) => {
          const who = state.participants.get(r.participantId)?.displayName || 'Someone';
          const by = r.takenBy ? (r.takenBy === state.you.participantId ? 'you' : state.participants.get(r.takenBy)?.displayName || 'a host') : null;
          setText(li.children[0], `${who} in ${state.roomName(r.roomId)}${by ? ` — taken by ${by}` : ' — waiting'}`);
          setClass(li, 'taken', !!r.takenBy);
          const [take, join] = li.children[1].children;
          setHidden(take, !!r.takenBy);
          setHidden(join, !r.takenBy || state.me?.location === r.roomId);
        });
      },
    };
  }

  function broadcastSection() {
    const message = h('textarea', { rows: 2, 'aria-label': 'Message', placeholder: 'e.g. Five minutes left — please wrap up.', 'data-testid': 'broadcast-message' });
    const counter = h('span', { class: 'counter', 'aria-live': 'polite', 'data-testid': 'broadcast-counter' }, `0/${maxBroadcast}`);
    const target = h('select', { 'aria-label': 'Send to', 'data-testid': 'broadcast-target' });
    const send = h('button', { type: 'submit', class: 'primary', 'data-testid': 'broadcast-send' }, 'Broadcast');
    const hint = h('p', { class: 'muted' });
    const form = h('form', { class: 'broadcast-form' }, message, h('div', { class: 'row' }, counter, target, send), hint);
    const el = h('section', { class: 'card', 'data-testid': 'broadcast-panel' }, h('h2', {}, 'Broadcast a message to all'), form);
    const count = () => characterCount(message.value);
    message.addEventListener('input', () => app.invalidate());
    message.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
    });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const roomId = target.value || null;
      const sent = await act(send, () => api.broadcast(message.value, roomId), {
        success: `Sent to ${roomId ? app.state.roomName(roomId) : 'everyone'}.`, what: 'Could not send the message',
      });
      if (sent) { message.value = ''; app.invalidate(); }
    });
    return {
      el,
      render() {
        const b = app.state.breakout;
        const n = count();
        setText(counter, `${n}/${maxBroadcast}`);
        setClass(counter, 'over', n > maxBroadcast);
        const live = b.status === 'open' || b.status === 'closing';
        setDisabled(send, !live || n > maxBroadcast || !message.value.trim());
        setText(hint, live ? 'Everyone sees it as a banner; pick a room to send to that room only.' : 'You can broadcast while the rooms are open.');
        setOptions(target, [{ value: '', label: 'To everyone' }, ...b.rooms.map((r) => ({ value: r.id, label: `To ${r.name}` }))], target.value);
      },
    };
  }

  function optionsSection() {
    const check = (testid, label) => {
      const input = h('input', { type: 'checkbox', 'data-testid': testid });
      const text = h('span', {}, label);
      return { input, text, label: h('label', { class: 'check' }, input, text) };
    };
    const move = check('opt-move', 'Move all participants into breakout rooms automatically');
    const choose = check('opt-choose', 'Allow participants to choose room');
    const back = check('opt-return', 'Allow participants to return to the main session at any time');
    const autoClose = check('opt-auto-close', 'Breakout rooms close automatically after');
    const minutes = h('input', { type: 'number', min: 1, max: 1440, value: 15, class: 'small', 'aria-label': 'Minutes', 'data-testid': 'opt-minutes' });
    autoClose.text.append(' ', minutes, ' minutes');
    const notify = check('opt-notify', 'Notify me when the time is up');
    const countdown = check('opt-countdown', 'Countdown after closing breakout rooms:');
    const seconds = h('input', { type: 'number', min: 1, max: 300, value: 60, class: 'small', 'aria-label': 'Seconds', 'data-testid': 'opt-seconds' });
    countdown.text.append(' ', seconds, ' seconds');
    const late = check('opt-late', 'Put people who join later into a room');
    const el = h('section', { class: 'card options-panel', 'data-testid': 'options-panel' },
      h('h2', {}, 'Options'), move.label, choose.label, back.label, autoClose.label, notify.label, countdown.label, late.label);

    const save = (patch, control) => act(control, () => api.changeOptions(patch), { success: 'Options saved.', what: 'Could not change the options' })
      .then(() => app.invalidate());
    const timerPatch = () => {
      const wanted = autoClose.input.checked || notify.input.checked;
      const value = Math.round(Number(minutes.value) * 60);
      return {
        timerSeconds: wanted ? value : null,
        closeWhenTimeUp: autoClose.input.checked,
        notifyHostWhenTimeUp: notify.input.checked,
      };
    };
    move.input.addEventListener('change', () => save({ moveAutomatically: move.input.checked }, move.input));
    choose.input.addEventListener('change', () => save({ allowChooseRoom: choose.input.checked }, choose.input));
    back.input.addEventListener('change', () => save({ allowReturnToMain: back.input.checked }, back.input));
    late.input.addEventListener('change', () => save({ assignLateJoiners: late.input.checked }, late.input));
    autoClose.input.addEventListener('change', () => save(timerPatch(), autoClose.input));
    notify.input.addEventListener('change', () => save(timerPatch(), notify.input));
    // An emptied number field is someone about to type: nothing is saved until there is a number.
    const filled = (input) => input.value.trim() !== '' && Number.isFinite(Number(input.value));
    minutes.addEventListener('change', () => {
      if (filled(minutes) && (autoClose.input.checked || notify.input.checked)) save(timerPatch(), minutes);
    });
    countdown.input.addEventListener('change', () => save({ closeCountdownSeconds: countdown.input.checked ? Number(seconds.value) || 60 : 0 }, countdown.input));
    seconds.addEventListener('change', () => {
      if (filled(seconds) && countdown.input.checked) save({ closeCountdownSeconds: Number(seconds.value) }, seconds);
    });

    const setChecked = (input, value) => { if (document.activeElement !== input && input.checked !== value) input.checked = value; };
    const setNumber = (input, value) => { if (document.activeElement !== input && Number(input.value) !== value) input.value = value; };
    return {
      el,
      render() {
        const b = app.state.breakout;
        setHidden(el, b.status === 'none');
        const o = b.options;
        if (!o) return;
        setChecked(move.input, o.moveAutomatically);
        setChecked(choose.input, o.allowChooseRoom);
        setDisabled(choose.input, b.mode === 'self_select');
        setChecked(back.input, o.allowReturnToMain);
        setChecked(autoClose.input, o.timerSeconds !== null && o.closeWhenTimeUp);
        setChecked(notify.input, o.timerSeconds !== null && o.notifyHostWhenTimeUp);
        if (o.timerSeconds !== null) setNumber(minutes, Math.max(1, Math.round(o.timerSeconds / 60)));
        setChecked(countdown.input, o.closeCountdownSeconds > 0);
        if (o.closeCountdownSeconds > 0) setNumber(seconds, o.closeCountdownSeconds);
        setChecked(late.input, o.assignLateJoiners);
      },
    };
  }

  function footerSection() {
    const end = confirmButton('End meeting for all', 'End the meeting? Click again', async () => {
      const ended = await act(null, () => api.end(), { what: 'Could not end the meeting' });
      if (ended !== undefined) app.leave('You ended the meeting.');
    }, { class: 'danger quiet', 'data-testid': 'end-meeting' });
    const leave = confirmButton('Leave meeting', 'Click again to leave', async () => {
      const left = await act(null, () => api.remove(app.session.participantId), { what: 'Could not leave' });
      if (left !== undefined) app.leave('You left the meeting.');
    }, { class: 'quiet', 'data-testid': 'leave-meeting' });
    const el = h('footer', { class: 'page-footer' }, end, leave);
    return {
      el,
      render() {
        setHidden(end, !isHost());
        setHidden(leave, isHost());
      },
    };
  }
}
