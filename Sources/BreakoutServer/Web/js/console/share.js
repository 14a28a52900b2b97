// The meeting's join code and link, each with a button that copies it.
import { h, setText, toast } from '../dom.js';

export function shareSection(app) {
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
