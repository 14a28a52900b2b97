// The help queue: who asks for help where, and taking, joining or resolving a request.
import { h, setText, setHidden, setClass, syncChildren } from '../dom.js';
import { act } from '../actions.js';

export function helpSection(app) {
  const api = app.api;
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
