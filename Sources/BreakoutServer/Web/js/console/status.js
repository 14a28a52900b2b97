// The bar under the share card: the breakout's status and time left, where this host or
// co-host is (with the way back to the main session), and opening and closing all rooms.
import { h, setText, setHidden, formatRemaining } from '../dom.js';
import { serverNow } from '../api.js';
import { act } from '../actions.js';

export function statusSection(app) {
  const api = app.api;
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
