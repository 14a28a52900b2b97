// What every button does around its action: disable while it runs, then say what happened —
// a short confirmation, or the server's refusal in its own words.
import { ApiError } from './api.js';
import { toast } from './dom.js';

/** Shows a refusal in plain words: the server's `detail`, and each bad field or line. */
export function showError(error, what) {
  if (error instanceof ApiError) {
    toast(what ? `${what}: ${error.detail}` : error.detail, { kind: 'error', details: error.lines });
  } else {
    console.error(error);
    toast(what ? `${what}: something went wrong.` : 'Something went wrong.', { kind: 'error' });
  }
}

/** Runs an action of a button: disables it meanwhile, reports success or the refusal. */
export async function act(button, action, { success, what } = {}) {
  if (button) button.disabled = true;
  try {
    const result = await action();
    if (success) toast(typeof success === 'function' ? success(result) : success, { kind: 'ok' });
    return result;
  } catch (error) {
    showError(error, what);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}
