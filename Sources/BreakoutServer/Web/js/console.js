// The console of the host and the co-hosts: share the code, set up the rooms, assign people, set
// the options, open and close, broadcast, hop between rooms, work the help queue, mute.
// Everything is drawn from the meeting's state once per animation frame; lists keep their
// elements by id, so a live update never steals focus or closes an open menu.
// Each panel is a module of console/ that answers { el, render(), tick?(), notice?() }; this one
// lays them out and passes them the frame's calls and the live events.
import { h, noticeBoard } from './dom.js';
import { shareSection } from './console/share.js';
import { statusSection } from './console/status.js';
import { roomsSection } from './console/rooms.js';
import { peopleSection } from './console/people.js';
import { helpSection } from './console/help.js';
import { broadcastSection } from './console/broadcast.js';
import { optionsSection } from './console/options.js';
import { mountPreassignments } from './console/preassign.js';
import { footerSection } from './console/footer.js';
import { mediaPanel } from './media.js';

export function mountConsole(main, app) {
  // The create form's hint reads the pre-assignment list, so the rooms panel gets that panel.
  const preassign = mountPreassignments(app);
  const share = shareSection(app);
  const status = statusSection(app);
  const notices = noticeBoard();
  const rooms = roomsSection(app, preassign);
  const people = peopleSection(app);
  const help = helpSection(app);
  const broadcast = broadcastSection(app);
  const options = optionsSection(app);
  const footer = footerSection(app);
  // Hosts and co-hosts hopping between rooms join each room's media.
  const media = mediaPanel(app);
  const sections = [share, status, media, rooms, people, help, broadcast, options, preassign, footer];

  main.append(share.el, status.el, notices.el,
    h('div', { class: 'console-grid' },
      h('div', { class: 'column column-main' }, media.el, rooms.el, people.el),
      h('div', { class: 'column column-side' }, help.el, broadcast.el, options.el, preassign.el)),
    footer.el);

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
    destroy: media.destroy,
  };
}
