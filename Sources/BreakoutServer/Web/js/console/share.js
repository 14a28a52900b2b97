// The meeting's join code and link, each with a button that copies it; for the host, also the
// private host link (the way back in from any browser).
import { h, setText, setHidden, toast } from '../dom.js';

export function shareSection(app) {
  const code = h('strong', { class: 'code', 'data-testid': 'join-code' });
  const link = h('a', { class: 'join-link', 'data-testid': 'join-link' });
  const hostLink = h('a', { class: 'join-link', 'data-testid': 'host-link' });
  const copy = (text, what) => async () => {
    try {
      await navigator.clipboard.writeText(text());
      toast(`${what} copied.`, { kind: 'ok' });
    } catch {
      toast(`Select the ${what.toLowerCase()} and copy it by hand.`, { kind: 'info' });
    }
  };
  const linkUrl = () => `${location.origin}/?code=${app.state.meeting.code}`;
  // The token goes in the fragment, which browsers never send: it stays out of every server's log.
  const hostLinkUrl = () => `${linkUrl()}#meeting=${app.session.meetingId}&host=${encodeURIComponent(app.session.token)}`;
  const hostItem = h('div', { class: 'share-item host-link-item', 'data-testid': 'host-link-item' },
    h('span', { class: 'label' }, 'Private host link'), hostLink,
    h('button', { type: 'button', class: 'quiet', 'data-testid': 'copy-host-link', onclick: copy(hostLinkUrl, 'Host link') }, 'Copy'),
    h('p', { class: 'muted small-print' },
      'Bookmark it or send it to yourself, and share it with no one: opening it in any browser makes you the host of this meeting.'));
  const el = h('section', { class: 'share card' },
    h('div', { class: 'share-item' }, h('span', { class: 'label' }, 'Join code'), code,
      h('button', { type: 'button', class: 'quiet', onclick: copy(() => app.state.meeting.code, 'Code') }, 'Copy code')),
    h('div', { class: 'share-item' }, h('span', { class: 'label' }, 'Join link'), link,
      h('button', { type: 'button', class: 'quiet', onclick: copy(linkUrl, 'Link') }, 'Copy link')),
    hostItem);
  const setLink = (anchor, url) => {
    if (anchor.href !== url) { anchor.href = url; anchor.textContent = url; }
  };
  return {
    el,
    render() {
      setText(code, app.state.meeting.code);
      setLink(link, linkUrl());
      setHidden(hostItem, !app.state.isHost);
      if (app.state.isHost) setLink(hostLink, hostLinkUrl());
    },
  };
}
