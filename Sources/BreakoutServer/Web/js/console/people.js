// Everyone in the meeting, filtered by name or room and paged (a meeting may have thousands):
// assign to a room, mute, make co-host, remove.
import { h, setText, setHidden, setDisabled, setClass, setOptions, syncChildren, confirmButton } from '../dom.js';
import { act } from '../actions.js';

const pageSize = 300;

export function peopleSection(app) {
  const api = app.api;
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
    // A typed email (open to anyone) is not the provider's word: the host should know.
    const unverified = h('span', { class: 'unverified', 'data-testid': 'email-unverified' }, 'unverified');
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
      h('div', { class: 'person-id' }, name, role, email, unverified),
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
      const host = app.state.isHost;
      const me = state.you.participantId;
      syncChildren(list, shown, (p) => p.id, createRow, (li, p) => {
        const [id, whereBox, actions] = li.children;
        setText(id.children[0], p.displayName + (p.id === me ? ' (you)' : ''));
        setText(id.children[1], p.role === 'host' ? 'Host' : p.role === 'cohost' ? 'Co-host' : '');
        setHidden(id.children[1], p.role === 'participant');
        setText(id.children[2], p.email || '');
        setHidden(id.children[3], !p.email || p.emailVerified);
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
