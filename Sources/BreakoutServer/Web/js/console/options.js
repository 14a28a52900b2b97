// The breakout's options, each saved as soon as it changes; a field that has the focus is not
// overwritten by a live update.
import { h, setHidden, setDisabled } from '../dom.js';
import { act } from '../actions.js';

export function optionsSection(app) {
  const api = app.api;
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
