// The participant's view: where I am and who is with me, the host's invitation, the rooms I may
// choose, the way back to the main session, messages from the host, the timers, asking for help.
import { h, setText, setHidden, setDisabled, syncChildren, formatRemaining, confirmButton, noticeBoard } from './dom.js';
import { serverNow } from './api.js';
import { act } from './actions.js';
import { mediaPanel } from './media.js';

export function mountParticipant(main, app) {
  const ui = { dismissedPrompt: null, help: null };
  const notices = noticeBoard();
  const place = h('h1', { class: 'place', 'data-testid': 'my-location' });
  const placeHint = h('p', { class: 'muted place-hint', 'data-testid': 'place-hint' });
  const muted = h('p', { class: 'pill pill-warn', 'data-testid': 'muted', hidden: true },
    'The host has muted you. Only a host or co-host can unmute you.');
  const timer = h('p', { class: 'timer', 'data-testid': 'timer', hidden: true });

  const promptText = h('p', { class: 'prompt-text', 'data-testid': 'move-prompt-text' });
  const promptJoin = h('button', { type: 'button', class: 'primary', 'data-testid': 'prompt-join' }, 'Join');
  const promptLater = h('button', { type: 'button', 'data-testid': 'prompt-later' }, 'Later');
  const prompt = h('div', { class: 'prompt', role: 'alert', 'data-testid': 'move-prompt', hidden: true },
    promptText, h('div', { class: 'row' }, promptJoin, promptLater));

  const returnButton = h('button', { type: 'button', 'data-testid': 'return-to-main' }, 'Return to main session');
  const helpButton = h('button', { type: 'button', 'data-testid': 'ask-for-help' }, 'Ask for help');
  const helpStatus = h('p', { class: 'help-status', 'data-testid': 'help-status', hidden: true });
  const actions = h('div', { class: 'row actions' }, returnButton, helpButton);

  const withMeTitle = h('h2', {}, 'With you');
  const withMe = h('ul', { class: 'people-list', 'data-testid': 'with-me' });
  const withMeMore = h('p', { class: 'muted', hidden: true });
  const roomsList = h('ul', { class: 'choose-rooms', 'data-testid': 'choose-rooms' });
  const roomsSection = h('section', { class: 'card', hidden: true, 'data-testid': 'choose-rooms-section' },
    h('h2', {}, 'Breakout rooms'), h('p', { class: 'muted' }, 'You may join any room.'), roomsList);
  const leave = confirmButton('Leave meeting', 'Click again to leave', async () => {
    const left = await act(null, () => app.api.remove(app.session.participantId), { what: 'Could not leave' });
    if (left !== undefined) app.leave('You left the meeting.');
  }, { class: 'quiet', 'data-testid': 'leave-meeting' });

  const media = mediaPanel(app);
  main.append(
    notices.el,
    h('section', { class: 'card where' }, place, placeHint, muted, timer, prompt, actions, helpStatus),
    media.el,
    h('section', { class: 'card' }, withMeTitle, withMe, withMeMore),
    roomsSection,
    h('footer', { class: 'page-footer' }, leave));

  promptJoin.addEventListener('click', () => {
    const roomId = app.state.me?.assignedRoomId;
    if (roomId) act(promptJoin, () => app.api.move(roomId), { what: 'Could not join the room' });
  });
  promptLater.addEventListener('click', () => {
    ui.dismissedPrompt = app.state.me?.assignedRoomId;
    app.invalidate();
  });
  returnButton.addEventListener('click', () =>
    act(returnButton, () => app.api.move(null), { what: 'Could not return to the main session' }));
  helpButton.addEventListener('click', async () => {
    const request = await act(helpButton, () => app.api.askForHelp(), { what: 'Could not ask for help' });
    if (request) {
      ui.help = { id: request.id, status: 'open' };
      app.invalidate();
    }
  });

  function tick() {
    const b = app.state.breakout;
    let text = '';
    if (b.status === 'closing' && b.closingEndsAt) {
      text = `Breakout rooms close in ${formatRemaining(Date.parse(b.closingEndsAt) - serverNow())}. You will return to the main session.`;
    } else if (b.status === 'open' && b.timerEndsAt) {
      text = `Time left in breakout rooms: ${formatRemaining(Date.parse(b.timerEndsAt) - serverNow())}`;
    }
    setHidden(timer, !text);
    setText(timer, text);
    timer.classList.toggle('closing', b.status === 'closing');
  }

  function render() {
    const state = app.state;
    const me = state.me;
    if (!me) return;
    const b = state.breakout;
    const open = b.status === 'open';
    const inRoom = !!me.location;
    setText(place, inRoom ? `You are in ${state.roomName(me.location)}` : 'You are in the main session');
    let hint = '';
    if (b.status === 'none') hint = 'The host has not set up breakout rooms yet.';
    else if (b.status === 'ready') hint = me.assignedRoomId
      ? `When the host opens the rooms you will go to ${state.roomName(me.assignedRoomId)}.`
      : 'The host has not opened the breakout rooms yet.';
    else if (open && !inRoom && !me.assignedRoomId) hint = b.options?.allowChooseRoom
      ? 'Breakout rooms are open: choose a room below.' : 'Breakout rooms are open. The host has not given you a room yet.';
    setText(placeHint, hint);
    setHidden(placeHint, !hint);
    setHidden(muted, !me.mutedByHost);

    const invited = open && me.assignedRoomId && !me.location && ui.dismissedPrompt !== me.assignedRoomId;
    setHidden(prompt, !invited);
    if (invited) setText(promptText, `The host is inviting you to join: ${state.roomName(me.assignedRoomId)}`);

    const mayReturn = inRoom && (b.status === 'closing' || b.options?.allowReturnToMain !== false);
    setHidden(returnButton, !inRoom);
    setDisabled(returnButton, !mayReturn);
    returnButton.title = mayReturn ? '' : 'The host asks everyone to stay in their rooms until they close.';
    setText(returnButton, mayReturn ? 'Return to main session' : 'Return to main session (not allowed by the host)');
    setHidden(helpButton, !inRoom || !!ui.help);
    if (!inRoom && ui.help?.status === 'resolved') ui.help = null;
    setHidden(helpStatus, !ui.help);
    if (ui.help) {
      setText(helpStatus, ui.help.status === 'taken'
        ? `${ui.help.by || 'A host'} is coming to help you.`
        : 'You asked for help. A host will come to your room.');
    }

    // Who is with me.
    const here = [];
    for (const p of state.participants.values()) if (p.location === me.location && p.id !== me.id) here.push(p);
    setText(withMeTitle, `With you in ${inRoom ? state.roomName(me.location) : 'the main session'} (${here.length})`);
    const shown = here.slice(0, 100);
    syncChildren(withMe, shown, (p) => p.id,
      () => h('li', {}, h('span', { class: 'name' }), h('span', { class: 'role' })),
      (li, p) => {
        setText(li.firstChild, p.displayName);
        setText(li.lastChild, p.role === 'host' ? 'Host' : p.role === 'cohost' ? 'Co-host' : '');
      });
    setHidden(withMeMore, here.length <= shown.length);
    setText(withMeMore, `and ${here.length - shown.length} more`);

    // Rooms to choose from.
    const choose = open && b.options?.allowChooseRoom;
    setHidden(roomsSection, !choose);
    if (choose) {
      const counts = new Map();
      for (const p of state.participants.values()) if (p.location) counts.set(p.location, (counts.get(p.location) || 0) + 1);
      syncChildren(roomsList, b.rooms, (r) => r.id,
        (room) => {
          const join = h('button', { type: 'button', 'data-testid': 'choose-room-join' }, 'Join');
          join.addEventListener('click', () => act(join, () => app.api.move(room.id), { what: 'Could not join the room' }));
          return h('li', { 'data-room-id': room.id }, h('span', { class: 'name' }), h('span', { class: 'count muted' }), join);
        },
        (li, room) => {
          setText(li.children[0], room.name);
          const n = counts.get(room.id) || 0;
          setText(li.children[1], `${n} ${n === 1 ? 'person' : 'people'}`);
          const here = me.location === room.id;
          setText(li.children[2], here ? 'You are here' : 'Join');
          setDisabled(li.children[2], here);
        });
    }
    media.render();
    tick();
  }

  function notice(type, e) {
    const state = app.state;
    if (type === 'broadcast') {
      const from = state.participants.get(e.from)?.displayName || 'The host';
      notices.add(`${from}${e.roomId ? ' (to your room)' : ''}: ${e.message}`, 'broadcast', 'broadcast');
    } else if (type === 'move_prompt') {
      ui.dismissedPrompt = null;
    } else if (type === 'help_taken' && e.request.participantId === state.you.participantId) {
      ui.help = { id: e.request.id, status: 'taken', by: state.participants.get(e.by)?.displayName };
    } else if (type === 'help_resolved' && e.request.participantId === state.you.participantId) {
      ui.help = null;
    } else if (type === 'breakout_discarded') {
      ui.help = null;
    } else if (type === 'breakout_closed') {
      ui.help = null;
      notices.add('The breakout rooms are closed. Everyone is back in the main session.', 'info', 'closed-notice');
    } else if (type === 'breakout_closing') {
      notices.add('The host is closing the breakout rooms.', 'info', 'closing-notice');
    }
  }

  return { render, notice, tick, destroy: media.destroy };
}
