// Audio and video of the room I am in, on Janus. The service decides where I am; this panel only
// follows: whenever my location changes it leaves the old room's media and joins the new one with
// what `GET …/media` answers (room, token, feed id). Janus admits my token in that room only and
// kicks me from a room I left, so a page that lags behind gets nothing it should not.
//
// One Janus session per joined room: a publisher handle for my camera and microphone, and one
// subscriber handle per roommate who publishes. The scripts are Debian's janus.js and adapter.js,
// served by the node (/vendor/), loaded only when the service has media on.
import { h, setText, setHidden, setClass, syncChildren } from './dom.js';
import { ApiError } from './api.js';

/** Tiles shown at most: in a large main session, the first roommates who publish. */
const MAX_FEEDS = 12;
/**
 * How soon to try again after Janus refused or could not be reached: soon at first (right after a
 * move the page may ask before the service has put its token in the new room, a few ms behind),
 * then every second (Janus back after a restart is found within a second).
 */
const RETRY_MS = [200, 400, 700, 1000];

let scriptsLoaded = null;

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`${src} could not be loaded`));
    document.head.append(script);
  });
}

/**
 * adapter.js, then janus.js (which looks for the adapter), then Janus.init. janus.js tells its
 * callers when Janus cannot be reached, but not when Janus restarted and forgot the session: its
 * long poll then gets "no such session" (458) and polls again, for ever. Its error log is the one
 * place that says so; this listens there and announces `janus-session-lost`.
 */
function loadJanus() {
  scriptsLoaded ??= loadScript('/vendor/adapter.js')
    .then(() => loadScript('/vendor/janus.js'))
    .then(() => new Promise((resolve) => window.Janus.init({ debug: false, dependencies: window.Janus.useDefaultDependencies(), callback: resolve })))
    .then(() => {
      const log = window.Janus.error;
      window.Janus.error = (...args) => {
        if (/Ooops: 45[89]\b/.test(String(args[0]))) window.dispatchEvent(new Event('janus-session-lost'));
        log(...args);
      };
    })
    .catch((error) => { scriptsLoaded = null; throw error; });
  return scriptsLoaded;
}

export function mediaPanel(app) {
  const status = h('p', { class: 'media-status muted', role: 'status', 'data-testid': 'media-status' });
  const hostMuted = h('p', { class: 'pill pill-warn', 'data-testid': 'media-muted-by-host', hidden: true },
    'Muted by the host: the others do not hear you.');
  const micButton = h('button', { type: 'button', 'aria-pressed': 'true', 'data-testid': 'media-mic' }, 'Microphone on');
  const camButton = h('button', { type: 'button', 'aria-pressed': 'true', 'data-testid': 'media-camera' }, 'Camera on');
  const grid = h('ul', { class: 'media-grid', 'data-testid': 'media-grid', 'aria-label': 'People you see and hear' });
  const el = h('section', { class: 'card media', 'aria-labelledby': 'media-title', 'data-testid': 'media', hidden: true },
    h('h2', { id: 'media-title' }, 'Audio and video'), status, hostMuted,
    h('div', { class: 'row' }, micButton, camButton), grid);

  // What this page has joined, and what it wants.
  const m = {
    off: false,            // the service runs without media (404 media_off)
    wanted: undefined,     // my location, as the state says (null: main session)
    joined: undefined,     // the location whose media this page is in (or joining)
    janus: null,           // the Janus session
    publisher: null,       // my handle
    feeds: new Map(),      // feed id → { handle, stream, tile }
    privateId: null,
    room: null,
    micOn: true,
    camOn: true,
    problem: null,         // text shown while media is unavailable
    retryTimer: null,
    failures: 0,           // failed joins in a row
    generation: 0,         // bumps on every switch; callbacks of an older one are ignored
    // The browser tests turn these off to play a page that ignores the host's mute, or one that
    // lags behind a move: Janus must silence it, or kick it, all the same.
    obeyHostMute: true,
    followMoves: true,
  };
  app.media = m;
  // The last steps taken, for the curious and for the browser tests' failure reports.
  m.trail = [];
  const note = (step) => { m.trail.push(`${Math.round(performance.now())} ${step}`); if (m.trail.length > 30) m.trail.shift(); };

  const sessionLost = () => {
    if (!m.janus) return;
    setProblem('Audio and video unavailable, reconnecting…');
    retry(m.generation);
  };
  window.addEventListener('janus-session-lost', sessionLost);

  const nameOf = (feedId) => app.state.participants.get(feedId)?.displayName || 'Someone';

  function setProblem(text, cause) {
    m.problem = text;
    if (cause) m.lastError = String(cause?.message || cause?.error || JSON.stringify(cause));
    app.invalidate();
  }

  function leave() {
    m.generation += 1;
    clearTimeout(m.retryTimer);
    const janus = m.janus;
    m.janus = null;
    m.publisher = null;
    m.privateId = null;
    m.room = null;
    for (const feed of m.feeds.values()) feed.stream?.getTracks().forEach((t) => t.stop?.());
    m.feeds.clear();
    try { janus?.destroy({ cleanupHandles: true }); } catch { /* already gone */ }
  }

  function retry(generation) {
    note(`retry (generation ${generation})`);
    clearTimeout(m.retryTimer);
    const delay = RETRY_MS[Math.min(m.failures, RETRY_MS.length - 1)];
    m.failures += 1;
    m.retryTimer = setTimeout(() => {
      if (generation !== m.generation) return;
      m.joined = undefined; // join again, with a fresh answer from the service
      app.invalidate();
    }, delay);
  }

  async function join(location) {
    leave();
    const generation = m.generation;
    note(`join ${location ?? 'main'} (generation ${generation})`);
    m.joined = location;
    let info;
    try {
      info = await app.api.media();
    } catch (error) {
      if (error instanceof ApiError && error.code === 'media_off') {
        m.off = true;
        app.invalidate();
        return;
      }
      setProblem('Audio and video unavailable, reconnecting…', error);
      return retry(generation);
    }
    if (generation !== m.generation) return;
    note(`media answer ${info.room}`);
    try {
      await loadJanus();
    } catch {
      setProblem('Audio and video unavailable: this server cannot serve the media scripts.');
      return retry(generation);
    }
    if (generation !== m.generation) return;
    const current = () => generation === m.generation;
    const janus = new window.Janus({
      server: info.url,
      success: () => { note(`session ${current()}`); if (current()) attachPublisher(janus, info, generation); },
      error: (cause) => {
        if (!current()) return;
        setProblem('Audio and video unavailable, reconnecting…', cause);
        retry(generation);
      },
    });
    m.janus = janus;
  }

  function attachPublisher(janus, info, generation) {
    const current = () => generation === m.generation;
    janus.attach({
      plugin: 'janus.plugin.videoroom',
      success(handle) {
        if (!current()) return;
        m.publisher = handle;
        m.room = info.room;
        handle.send({ message: { request: 'join', ptype: 'publisher', room: info.room, id: info.feedId,
          display: app.state.me?.displayName || '', token: info.token } });
      },
      error(cause) {
        if (current()) { setProblem('Audio and video unavailable, reconnecting…', cause); retry(generation); }
      },
      onmessage(message, jsep) {
        note(`message ${message.videoroom} ${message.error_code || ''} ${current()}`);
        if (!current()) return;
        const kind = message.videoroom;
        if (message.error_code) {
          // 433: not (yet) allowed in this room; the service is moving my token. Ask again.
          setProblem('Audio and video unavailable, reconnecting…', message);
          return retry(generation);
        }
        if (kind === 'joined') {
          m.failures = 0;
          m.privateId = message.private_id;
          setProblem(null);
          publish(m.publisher, generation);
          for (const p of message.publishers || []) subscribe(janus, info, p, generation);
        } else if (kind === 'event') {
          for (const p of message.publishers || []) subscribe(janus, info, p, generation);
          // A roommate who left says `leaving`; one whose page lagged behind a move and was kicked
          // by the service says `kicked` (and no `unpublished` follows): either way the tile goes.
          const gone = message.leaving || message.unpublished || message.kicked;
          if (gone === 'ok' && message.reason === 'kicked') {
            // Moved out of this room: join wherever the service says I am now.
            m.joined = undefined;
            app.invalidate();
          } else if (gone && gone !== 'ok') {
            unsubscribe(String(gone));
          }
        }
        if (jsep) m.publisher?.handleRemoteJsep({ jsep });
      },
      onlocaltrack(track, on) {
        if (!current() || track.kind !== 'video') return;
        const tile = ownTile();
        tile.video.srcObject = on ? new MediaStream([track]) : null;
      },
    });
  }

  function publish(handle, generation) {
    handle?.createOffer({
      tracks: [{ type: 'audio', capture: true, recv: false }, { type: 'video', capture: true, recv: false }],
      success(jsep) {
        if (generation !== m.generation) return;
        handle.send({ message: { request: 'configure', audio: true, video: true }, jsep });
        applySwitches();
      },
      error() {
        // No camera or microphone (or not allowed): watch and listen only.
        if (generation === m.generation) setProblem('Your camera and microphone are not available; you can still see and hear the others.');
      },
    });
  }

  function subscribe(janus, info, publisher, generation) {
    const feedId = String(publisher.id);
    if (m.feeds.has(feedId) || feedId === info.feedId || !feedId.match(/^[0-9a-f-]{36}$/)) return;
    if (m.feeds.size >= MAX_FEEDS) return;
    const feed = { handle: null, stream: new MediaStream(), tile: null };
    m.feeds.set(feedId, feed);
    janus.attach({
      plugin: 'janus.plugin.videoroom',
      success(handle) {
        if (generation !== m.generation) return;
        feed.handle = handle;
        handle.send({ message: { request: 'join', ptype: 'subscriber', room: info.room, streams: [{ feed: feedId }],
          private_id: m.privateId, token: info.token } });
      },
      onmessage(message, jsep) {
        if (generation !== m.generation || !jsep) return;
        feed.handle.createAnswer({
          jsep,
          tracks: [{ type: 'data' }],
          success(answer) { feed.handle.send({ message: { request: 'start', room: info.room }, jsep: answer }); },
        });
      },
      onremotetrack(track, mid, on) {
        if (generation !== m.generation) return;
        for (const old of feed.stream.getTracks()) if (old.kind === track.kind) feed.stream.removeTrack(old);
        if (on) feed.stream.addTrack(track);
        app.invalidate();
      },
    });
    app.invalidate();
  }

  function unsubscribe(feedId) {
    const feed = m.feeds.get(feedId);
    if (!feed) return;
    m.feeds.delete(feedId);
    try { feed.handle?.detach(); } catch { /* gone */ }
    app.invalidate();
  }

  function applySwitches() {
    const handle = m.publisher;
    if (!handle) return;
    const micOn = m.micOn && !(m.obeyHostMute && app.state.me?.mutedByHost);
    try {
      if (micOn && handle.isAudioMuted()) handle.unmuteAudio();
      if (!micOn && !handle.isAudioMuted()) handle.muteAudio();
      if (m.camOn && handle.isVideoMuted()) handle.unmuteVideo();
      if (!m.camOn && !handle.isVideoMuted()) handle.muteVideo();
    } catch { /* not publishing yet */ }
  }

  micButton.addEventListener('click', () => { m.micOn = !m.micOn; applySwitches(); app.invalidate(); });
  camButton.addEventListener('click', () => { m.camOn = !m.camOn; applySwitches(); app.invalidate(); });

  let own = null;
  function ownTile() {
    own ??= tile('me');
    return own;
  }

  function tile(id) {
    const video = h('video', { autoplay: true, playsinline: true });
    const caption = h('span', { class: 'media-name' });
    const li = h('li', { class: 'media-tile', 'data-feed-id': id }, video, caption);
    if (id === 'me') video.muted = true;
    return { li, video, caption };
  }

  function render() {
    const me = app.state.me;
    setHidden(el, m.off || !me);
    if (m.off || !me) return;
    m.wanted = me.location ?? null;
    if (m.joined !== m.wanted && m.followMoves) join(m.wanted);
    applySwitches();
    setText(status, m.problem || (m.room ? `You see and hear the people in ${me.location ? app.state.roomName(me.location) : 'the main session'}.` : 'Joining…'));
    setClass(status, 'warn', !!m.problem);
    status.dataset.state = m.problem ? 'unavailable' : m.room ? 'joined' : 'joining';
    setHidden(hostMuted, !me.mutedByHost);
    const micOn = m.micOn && !me.mutedByHost;
    setText(micButton, micOn ? 'Microphone on' : me.mutedByHost ? 'Microphone off (muted by the host)' : 'Microphone off');
    micButton.setAttribute('aria-pressed', String(micOn));
    micButton.disabled = !!me.mutedByHost;
    setText(camButton, m.camOn ? 'Camera on' : 'Camera off');
    camButton.setAttribute('aria-pressed', String(m.camOn));

    const tiles = [{ id: 'me', name: `${me.displayName} (you)` }];
    for (const [id, feed] of m.feeds) tiles.push({ id, name: nameOf(id), feed });
    syncChildren(grid, tiles, (t) => t.id,
      (t) => {
        const made = t.id === 'me' ? ownTile() : tile(t.id);
        made.li._tile = made;
        return made.li;
      },
      (li, t) => {
        setText(li._tile.caption, t.name);
        if (t.feed && li._tile.video.srcObject !== t.feed.stream) li._tile.video.srcObject = t.feed.stream;
      });
  }

  /** Bytes received per roommate's feed and kind, and sent by me, from WebRTC's own statistics (the browser tests and the media benchmark read it). */
  async function stats() {
    const out = {};
    for (const [id, feed] of m.feeds) {
      const pc = feed.handle?.webrtcStuff?.pc;
      const entry = { audio: 0, video: 0 };
      if (pc) {
        const report = await pc.getStats();
        report.forEach((s) => { if (s.type === 'inbound-rtp' && entry[s.kind] !== undefined) entry[s.kind] += s.bytesReceived || 0; });
      }
      out[id] = entry;
    }
    const sent = { audio: 0, video: 0 };
    const mine = m.publisher?.webrtcStuff?.pc;
    if (mine) {
      (await mine.getStats()).forEach((s) => { if (s.type === 'outbound-rtp' && sent[s.kind] !== undefined) sent[s.kind] += s.bytesSent || 0; });
    }
    return { room: m.room, feeds: out, sent };
  }
  m.stats = stats;

  function destroy() {
    window.removeEventListener('janus-session-lost', sessionLost);
    leave();
  }

  return { el, render, destroy };
}
