// The live stream: an EventSource on the meeting's events. The browser reconnects by itself and
// sends Last-Event-ID, so the server replays exactly what was missed (on any node). When the
// browser gives up (the server refused the stream), we find out why and either stop (meeting
// ended, token gone) or start a fresh stream, which begins with a new snapshot.
import { eventTypes } from './state.js';

export function connectLive({ url, onSnapshot, onEvent, onStatus, onRefused, onReplaced, probe }) {
  let source = null;
  let stopped = false;
  let retryTimer = null;
  let failures = 0;

  const open = () => {
    if (stopped) return;
    source = new EventSource(url);
    onStatus('connecting');
    source.addEventListener('open', () => {
      failures = 0;
      onStatus('live');
    });
    source.addEventListener('snapshot', (message) => {
      onStatus('live');
      onSnapshot(JSON.parse(message.data));
    });
    for (const type of eventTypes) {
      source.addEventListener(type, (message) => {
        onEvent(type, JSON.parse(message.data), Number(message.lastEventId));
      });
    }
    // Too many streams of this person (tabs, devices): a newer one took this one's place. Not
    // retried, or the tabs would push each other out for ever.
    source.addEventListener('stream_replaced', (message) => {
      stopped = true;
      source.close();
      onStatus('lost');
      onReplaced?.(JSON.parse(message.data));
    });
    source.addEventListener('error', async () => {
      if (stopped) return;
      if (source.readyState === EventSource.CONNECTING) {
        onStatus('reconnecting');
        return;
      }
      // CLOSED: the browser will not retry. Ask the API why.
      source.close();
      onStatus('lost');
      const refusal = await probe();
      if (refusal) {
        stopped = true;
        onRefused(refusal);
        return;
      }
      failures += 1;
      retryTimer = setTimeout(open, Math.min(15000, 1000 * 2 ** Math.min(failures, 4)));
    });
  };

  open();
  return {
    /** A fresh stream (it begins with a snapshot): after a role change, what we may see changes. */
    restart() {
      clearTimeout(retryTimer);
      source?.close();
      open();
    },
    close() {
      stopped = true;
      clearTimeout(retryTimer);
      source?.close();
    },
  };
}
