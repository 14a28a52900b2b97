// The foot of the console: the host ends the meeting, a co-host leaves it.
import { h, setHidden, confirmButton } from '../dom.js';
import { act } from '../actions.js';

export function footerSection(app) {
  const api = app.api;
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
      setHidden(end, !app.state.isHost);
      setHidden(leave, app.state.isHost);
    },
  };
}
