// Audio and video of the room I am in. The service decides where I am, and it is the only door to
// the media: this page talks to its node over one WebSocket (`…/media/signal`, a small protocol of
// the service's own; openapi.yaml, "Media signalling"), and the node talks to Janus for it. The page
// never learns a Janus address, session or token, and cannot ask for another room or another id:
// "join" means "the room the database says I am in". When the database moves or removes me, the
// node takes my feeds out of the old room at once and says `left`; the page then joins again.
//
// WebRTC itself is the browser's own: one RTCPeerConnection publishes my camera and microphone, and
// one per roommate receives that roommate's feed (Janus offers, this page answers).
import { h, setText, setHidden, setClass, syncChildren } from './dom.js';
import { ApiError } from './api.js';

/** Tiles shown at most: in a large main session, the first roommates who publish. */
const MAX_FEEDS = 12;
/**
 * How soon to try again after a join failed or the connection dropped: soon at first (right after
 * a move the media worker may not yet have made the new room ready, a few ms behind), then every
 * second (Janus back after a restart is found within a second).
 */
const RETRY_MS = [200, 400, 700, 1000];
/** Close codes after which the page does not connect again: replaced by a newer tab, or gone. */
const FINAL_CLOSES = { 4409: 'Audio and video moved to your other window.', 4410: null, 4401: null, 4404: null };
/** `joined` after the node took this page out of its room: no location, so the next render joins. */
const LEFT = Symbol('left');

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
    socket: null,          // the signalling WebSocket
    pending: new Map(),    // request id → { resolve, reject }
    nextId: 0,
    local: null,           // my camera and microphone (kept across rooms)
    localFailed: false,    // no camera or microphone to be had
    publisher: null,       // my RTCPeerConnection
    feeds: new Map(),      // feed id → { pc, stream }
    room: null,
    checked: null,         // the answer of GET …/media: whether the service has media at all
    micOn: true,
    camOn: true,
    problem: null,         // text shown while media is unavailable
    stopped: null,         // set when the page must not connect again (replaced, removed)
    joining: false,        // a join is on its way to the node
    retryTimer: null,
    failures: 0,           // failed joins in a row
    generation: 0,         // bumps on every switch; callbacks of an older one are ignored
    // The browser tests turn these off to play a page that ignores the host's mute, or one that
    // lags behind a move: the service must silence it, or take it out, all the same.
    obeyHostMute: true,
    followMoves: true,
    // And this one to play a page behind a network that lets only TURN through.
    relayOnly: false,
  };
  app.media = m;
  // The last steps taken, for the curious and for the browser tests' failure reports.
  m.trail = [];
  const note = (step) => { m.trail.push(`${Math.round(performance.now())} ${step}`); if (m.trail.length > 30) m.trail.shift(); };

  const nameOf = (feedId) => app.state.participants.get(feedId)?.displayName || 'Someone';

  function setProblem(text, cause) {
    m.problem = text;
    if (cause) m.lastError = String(cause?.message || cause?.code || JSON.stringify(cause));
    app.invalidate();
  }

  // MARK: The signalling connection

  /** The open signalling WebSocket (connecting when needed). */
  function connected() {
    if (m.socket && m.socket.readyState === WebSocket.OPEN) return Promise.resolve(m.socket);
    if (m.socket && m.socket.readyState === WebSocket.CONNECTING) return m.socket.opened;
    const socket = new WebSocket(app.api.signalUrl());
    socket.opened = new Promise((resolve, reject) => {
      socket.onopen = () => resolve(socket);
      socket.onerror = () => reject(new Error('the media signalling could not connect'));
    });
    socket.onmessage = (event) => received(socket, event.data);
    socket.onclose = (event) => closed(socket, event.code);
    m.socket = socket;
    note('connect');
    return socket.opened;
  }

  async function call(message) {
    const socket = await connected();
    const id = `m${++m.nextId}`;
    return new Promise((resolve, reject) => {
      m.pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ ...message, id }));
    });
  }

  function tell(message) {
    if (m.socket?.readyState === WebSocket.OPEN) m.socket.send(JSON.stringify(message));
  }

  function received(socket, text) {
    if (socket !== m.socket) return;
    let message;
    try { message = JSON.parse(text); } catch { return; }
    if (message.re && m.pending.has(message.re)) {
      const { resolve, reject } = m.pending.get(message.re);
      m.pending.delete(message.re);
      if (message.type === 'error') reject(Object.assign(new Error(message.detail), { code: message.code }));
      else resolve(message);
      return;
    }
    note(`signal ${message.type} ${message.reason || message.feed || ''}${message.added ? ` +${message.added.map((f) => f.feed.slice(0, 8))} -${message.removed.map((f) => f.slice(0, 8))}` : ''}`);
    if (message.type === 'feeds') {
      for (const feed of message.removed || []) unsubscribe(feed);
      for (const { feed } of message.added || []) subscribe(feed, m.generation);
    } else if (message.type === 'left') {
      // Taken out of the room by the service (moved, Janus lost, or a newer tab took my place).
      // While a join is on its way, this is about the room before it: the node answers in order,
      // and its join finds where the database puts me now.
      if (m.joining) return;
      dropPeers();
      m.room = null;
      m.joined = LEFT;
      if (message.reason === 'replaced' || message.reason === 'removed') return;
      if (message.reason === 'moved' && !m.followMoves) { app.invalidate(); return; }
      if (message.reason === 'media_lost') setProblem('Audio and video unavailable, reconnecting…', message);
      retry(m.generation);
    } else if (message.type === 'hangup' && message.feed && m.feeds.has(message.feed)) {
      // A roommate's feed dropped its connection to Janus but still publishes: receive it afresh.
      unsubscribe(message.feed);
      subscribe(message.feed, m.generation);
    }
  }

  function closed(socket, code) {
    if (socket !== m.socket) return;
    note(`closed ${code}`);
    m.socket = null;
    for (const { reject } of m.pending.values()) reject(new Error('the media signalling closed'));
    m.pending.clear();
    dropPeers();
    m.room = null;
    if (code in FINAL_CLOSES) {
      m.stopped = FINAL_CLOSES[code] ?? 'Audio and video ended.';
      setProblem(m.stopped);
      return;
    }
    // The node went away (restarted, or killed): another one takes the page through the balancer.
    setProblem('Audio and video unavailable, reconnecting…');
    retry(m.generation);
  }

  // MARK: Joining a room

  function dropPeers() {
    try { m.publisher?.close(); } catch { /* closed */ }
    m.publisher = null;
    for (const feed of m.feeds.values()) { try { feed.pc.close(); } catch { /* closed */ } }
    m.feeds.clear();
    app.invalidate();
  }

  function leave() {
    m.generation += 1;
    clearTimeout(m.retryTimer);
    dropPeers();
    m.room = null;
    tell({ type: 'leave' });
  }

  function retry(generation) {
    note(`retry (generation ${generation})`);
    clearTimeout(m.retryTimer);
    const delay = RETRY_MS[Math.min(m.failures, RETRY_MS.length - 1)];
    m.failures += 1;
    m.retryTimer = setTimeout(() => {
      if (generation !== m.generation) return;
      m.joined = undefined; // join again, wherever the service says I am now
      app.invalidate();
    }, delay);
  }

  async function join(location) {
    leave();
    const generation = m.generation;
    note(`join ${location ?? 'main'} (generation ${generation})`);
    m.joined = location;
    let joined;
    try {
      // Once: whether the service has media at all (without it, no signalling to connect to).
      m.checked ??= app.api.media().then(() => true);
      await m.checked;
      m.joining = true;
      joined = await call({ type: 'join' });
    } catch (error) {
      m.joining = false;
      if (error.code === 'media_off') { m.off = true; app.invalidate(); return; }
      if (error instanceof ApiError) m.checked = null;
      if (generation !== m.generation || m.stopped) return;
      setProblem('Audio and video unavailable, reconnecting…', error);
      return retry(generation);
    }
    m.joining = false;
    if (generation !== m.generation) return;
    note(`joined ${joined.room}`);
    clearTimeout(m.retryTimer);
    m.failures = 0;
    m.room = joined.room;
    m.iceServers = joined.iceServers || [];
    // Where the service put me: the live stream may tell this page of the move a moment later.
    m.joined = joined.location ?? null;
    setProblem(null);
    publish(generation);
    for (const { feed } of joined.feeds || []) subscribe(feed, generation);
  }

  async function publish(generation) {
    if (!m.local && !m.localFailed) {
      try {
        m.local = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
      } catch {
        // No camera or microphone (or not allowed): watch and listen only.
        m.localFailed = true;
      }
    }
    if (generation !== m.generation) return;
    if (!m.local) {
      setProblem('Your camera and microphone are not available; you can still see and hear the others.');
      return;
    }
    const pc = new RTCPeerConnection(peerConfiguration());
    m.publisher = pc;
    for (const track of m.local.getTracks()) pc.addTransceiver(track, { direction: 'sendonly' });
    pc.onicecandidate = (event) => {
      if (generation === m.generation) tell({ type: 'trickle', candidate: event.candidate ? candidateOf(event.candidate) : null });
    };
    try {
      await pc.setLocalDescription(await pc.createOffer());
      const published = await call({ type: 'publish', sdp: pc.localDescription.sdp });
      if (generation !== m.generation) return;
      await pc.setRemoteDescription({ type: 'answer', sdp: published.sdp });
      applySwitches(true);
      ownTile().video.srcObject = new MediaStream(m.local.getVideoTracks());
      app.invalidate();
    } catch (error) {
      if (generation === m.generation) note(`publish failed ${error.code || error.message}`);
    }
  }

  async function subscribe(feedId, generation) {
    if (m.feeds.has(feedId) || m.feeds.size >= MAX_FEEDS || generation !== m.generation) return;
    const feed = { pc: new RTCPeerConnection(peerConfiguration()), stream: new MediaStream() };
    m.feeds.set(feedId, feed);
    feed.pc.ontrack = (event) => {
      for (const old of feed.stream.getTracks()) if (old.kind === event.track.kind) feed.stream.removeTrack(old);
      feed.stream.addTrack(event.track);
      app.invalidate();
    };
    feed.pc.onicecandidate = (event) => {
      if (generation === m.generation) tell({ type: 'trickle', feed: feedId, candidate: event.candidate ? candidateOf(event.candidate) : null });
    };
    app.invalidate();
    try {
      const offer = await call({ type: 'subscribe', feed: feedId });
      if (generation !== m.generation || m.feeds.get(feedId) !== feed) return;
      await feed.pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
      await feed.pc.setLocalDescription(await feed.pc.createAnswer());
      await call({ type: 'answer', feed: feedId, sdp: feed.pc.localDescription.sdp });
      note(`subscribed ${feedId.slice(0, 8)}`);
    } catch (error) {
      note(`subscribe ${feedId} failed ${error.code || error.message}`);
      if (m.feeds.get(feedId) === feed) unsubscribe(feedId, { tellNode: false });
    }
  }

  function unsubscribe(feedId, { tellNode = true } = {}) {
    const feed = m.feeds.get(feedId);
    if (!feed) return;
    m.feeds.delete(feedId);
    try { feed.pc.close(); } catch { /* closed */ }
    if (tellNode) tell({ type: 'unsubscribe', feed: feedId });
    app.invalidate();
  }

  /** The TURN servers the node handed out with the join; `relayOnly` forces every path through them. */
  function peerConfiguration() {
    return { iceServers: m.iceServers || [], iceTransportPolicy: m.relayOnly ? 'relay' : 'all' };
  }

  function candidateOf(candidate) {
    return { candidate: candidate.candidate, sdpMid: candidate.sdpMid, sdpMLineIndex: candidate.sdpMLineIndex };
  }

  /** My microphone and camera as the switches (and the host's mute) say: the tracks stop sending, and the node stops relaying them. */
  let sentSwitches = {};
  function applySwitches(force = false) {
    if (!m.local) return;
    const micOn = m.micOn && !(m.obeyHostMute && app.state.me?.mutedByHost);
    for (const track of m.local.getAudioTracks()) track.enabled = micOn;
    for (const track of m.local.getVideoTracks()) track.enabled = m.camOn;
    if (!m.publisher) return;
    for (const [kind, on] of [['audio', micOn], ['video', m.camOn]]) {
      if (force || sentSwitches[kind] !== on) {
        sentSwitches[kind] = on;
        tell({ type: 'mute', kind, muted: !on });
      }
    }
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
    if (m.joined !== m.wanted && m.followMoves && !m.stopped) join(m.wanted);
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
      const pc = feed.pc;
      const entry = { audio: 0, video: 0 };
      if (pc) {
        const report = await feed.pc.getStats();
        report.forEach((s) => { if (s.type === 'inbound-rtp' && entry[s.kind] !== undefined) entry[s.kind] += s.bytesReceived || 0; });
      }
      out[id] = entry;
    }
    const sent = { audio: 0, video: 0 };
    const mine = m.publisher;
    const paths = {};
    if (mine) {
      const report = await mine.getStats();
      report.forEach((s) => { if (s.type === 'outbound-rtp' && sent[s.kind] !== undefined) sent[s.kind] += s.bytesSent || 0; });
      paths.me = pathOf(report);
    }
    for (const [id, feed] of m.feeds) paths[id] = pathOf(await feed.pc.getStats());
    return { room: m.room, feeds: out, sent, paths };
  }
  m.stats = stats;

  /** How a connection's media goes: the local candidate type of its selected pair (`host`, `srflx`, `relay`). */
  function pathOf(report) {
    let pair = null;
    report.forEach((s) => { if (s.type === 'transport' && s.selectedCandidatePairId) pair = report.get(s.selectedCandidatePairId); });
    return pair ? report.get(pair.localCandidateId)?.candidateType ?? null : null;
  }

  function destroy() {
    leave();
    m.stopped = 'closed';
    const socket = m.socket;
    m.socket = null;
    socket?.close(1000);
    for (const track of m.local?.getTracks() || []) track.stop();
  }

  return { el, render, destroy };
}
