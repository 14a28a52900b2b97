// A message to everyone or to one room, shown to them as a banner; it can be sent while the rooms
// are open or closing.
import { h, setText, setDisabled, setClass, setOptions, characterCount } from '../dom.js';
import { act } from '../actions.js';

const maxBroadcast = 140;

export function broadcastSection(app) {
  const api = app.api;
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
