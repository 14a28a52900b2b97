// The HTTP API as the web app uses it: JSON in and out, problem+json refusals turned into
// ApiError with the server's own words (`detail`, and `errors` for each bad field or line).

export class ApiError extends Error {
  constructor(status, code, detail, errors = []) {
    super(detail);
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.errors = errors;
  }

  /** The `errors` of a validation failure as lines people read ("line 3: the email address is missing"). */
  get lines() {
    return (this.errors || []).map((e) => `${e.field}: ${e.message}`);
  }
}

let clockOffset = 0;

/** The server's clock (from the Date header of its answers), so timers agree with it. */
export function serverNow() {
  return Date.now() + clockOffset;
}

export async function call(method, path, { token, json, body, contentType } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  let payload;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(json);
  } else if (body !== undefined) {
    headers['Content-Type'] = contentType;
    payload = body;
  }
  let response;
  try {
    // The session cookie (campus sign-in) goes with every call to this origin and to no other.
    response = await fetch(path, { method, headers, body: payload, cache: 'no-store', credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'network', 'The server cannot be reached. Check your connection and try again.');
  }
  const date = response.headers.get('Date');
  if (date) {
    // The header has whole seconds: only a clearly wrong local clock is corrected.
    const offset = Date.parse(date) + 500 - Date.now();
    clockOffset = Math.abs(offset) > 2000 ? offset : 0;
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    throw new ApiError(response.status, data?.code || `http_${response.status}`,
      data?.detail || `The server answered ${response.status}.`, data?.errors || []);
  }
  return data;
}

/**
 * A file from the API (`Accept: accept`) as a Blob, for a download; a refusal is an ApiError as
 * with `call`. The page then saves it through a blob: URL (the CSP allows blob: for this).
 */
export async function fetchFile(path, { token, accept }) {
  let response;
  try {
    response = await fetch(path, { headers: { Authorization: `Bearer ${token}`, Accept: accept }, cache: 'no-store', credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'network', 'The server cannot be reached. Check your connection and try again.');
  }
  if (!response.ok) {
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    throw new ApiError(response.status, data?.code || `http_${response.status}`, data?.detail || `The server answered ${response.status}.`);
  }
  return response.blob();
}

/** The calls of one member of one meeting. */
export function meetingApi(meetingId, token) {
  const base = `/v1/meetings/${meetingId}`;
  const req = (method, path, json) => call(method, base + path, { token, json });
  return {
    snapshot: () => req('GET', ''),
    createBreakout: (roomCount, mode, options) => req('POST', '/breakout', options ? { roomCount, mode, options } : { roomCount, mode }),
    /** `{mode, roomCount?, roomSize?, seed?, options?}` as the API takes it. */
    createRooms: (body) => req('POST', '/breakout', body),
    discardBreakout: () => req('DELETE', '/breakout'),
    changeOptions: (patch) => req('PATCH', '/breakout/options', patch),
    addRoom: () => req('POST', '/breakout/rooms', {}),
    renameRoom: (roomId, name) => req('PATCH', `/breakout/rooms/${roomId}`, { name }),
    deleteRoom: (roomId) => req('DELETE', `/breakout/rooms/${roomId}`),
    assign: (participantId, roomId) => req('PUT', `/breakout/assignments/${participantId}`, { roomId }),
    open: () => req('POST', '/breakout/open'),
    close: () => req('POST', '/breakout/close'),
    move: (roomId) => req('POST', '/moves', { roomId }),
    broadcast: (message, roomId) => req('POST', '/broadcasts', roomId ? { message, roomId } : { message }),
    askForHelp: () => req('POST', '/help-requests', {}),
    takeHelp: (id) => req('POST', `/help-requests/${id}/take`, {}),
    resolveHelp: (id) => req('POST', `/help-requests/${id}/resolve`, {}),
    setMute: (participantId, muted) => req('PUT', `/participants/${participantId}/mute`, { muted }),
    unmuteAll: () => req('POST', '/unmute-all', {}),
    setRole: (participantId, role) => req('PUT', `/participants/${participantId}/role`, { role }),
    remove: (participantId) => req('DELETE', `/participants/${participantId}`),
    end: () => req('POST', '/end'),
    preassignments: () => req('GET', '/preassignments'),
    uploadPreassignments: (bytes) => call('PUT', `${base}/preassignments`, { token, body: bytes, contentType: 'text/csv' }),
    savePreassignments: (list) => req('PUT', '/preassignments', list),
    clearPreassignments: () => req('PUT', '/preassignments', []),
    media: () => req('GET', '/media'),
    attendance: () => req('GET', '/attendance'),
    attendanceCsv: () => fetchFile(`${base}/attendance`, { token, accept: 'text/csv' }),
    eventsUrl: () => `${base}/events?access_token=${encodeURIComponent(token)}`,
    /** The media signalling WebSocket, on this page's own origin. */
    signalUrl: () => `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${base}/media/signal?access_token=${encodeURIComponent(token)}`,
  };
}

// Who this tab is, and the meetings this browser is in. The tab's meeting is in sessionStorage, so
// a reload returns to the same place and another tab may be another person. Every meeting the
// browser joined or created is also kept in localStorage, so that closing the tab loses nothing:
// the start page lists them with a way back in and "Forget". One key per meeting and participant,
// so that a host who joins their own meeting in another tab, to see it as others do, keeps both.
const tabKey = 'breakout.session';
const meetingPrefix = 'breakout.meeting.';

function readJSON(storage, key) {
  try {
    return JSON.parse(storage.getItem(key));
  } catch {
    return null;
  }
}

/** The meetings kept in this browser (localStorage), newest first. */
export const savedMeetings = {
  list() {
    const found = [];
    try {
      for (let i = 0; i < localStorage.length; i++) {
        const key = localStorage.key(i);
        if (!key.startsWith(meetingPrefix)) continue;
        const value = readJSON(localStorage, key);
        if (value && value.meetingId && value.token) found.push(value);
      }
    } catch {
      return []; // storage switched off: nothing kept
    }
    return found.sort((a, b) => (b.savedAt || 0) - (a.savedAt || 0));
  },
  /** Adds or updates one meeting (token, participant id, and what the list shows). */
  remember(value) {
    if (!value.participantId) return; // a host link's, until the snapshot says who it is
    try {
      const key = `${meetingPrefix}${value.meetingId}.${value.participantId}`;
      localStorage.setItem(key, JSON.stringify({ ...readJSON(localStorage, key), ...value, savedAt: Date.now() }));
    } catch {
      // storage full or switched off: the tab's session still works
    }
  },
  /**
   * Forgets the meetings joined or created while signed in (they carry `personId`): signing out
   * leaves none of that person's tokens behind for the next one at this computer.
   */
  forgetSignedIn() {
    for (const saved of this.list()) if (saved.personId) this.forget(saved);
  },
  forget({ meetingId, participantId }) {
    try {
      localStorage.removeItem(`${meetingPrefix}${meetingId}.${participantId}`);
    } catch {
      // nothing kept
    }
  },
};

/** The meeting this tab is in (sessionStorage); saving it also keeps it in this browser. */
export const session = {
  load() {
    const value = readJSON(sessionStorage, tabKey);
    return value && value.meetingId && value.token ? value : null;
  },
  save(value) {
    sessionStorage.setItem(tabKey, JSON.stringify(value));
    savedMeetings.remember(value);
  },
  clear() {
    sessionStorage.removeItem(tabKey);
  },
};
