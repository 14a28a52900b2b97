// The meeting as this client knows it: the first `snapshot`, then every event applied in order,
// exactly as the server's reference reducer does (Tests/BreakoutServerTests/EventReplayTests.swift,
// `SnapshotReducer`). Participants and help requests are kept in Maps (in join / request order)
// so that one event costs O(1) however large the meeting is.

const noBreakout = () => ({
  status: 'none', mode: null, options: null, rooms: [], openedAt: null, timerEndsAt: null, closingEndsAt: null,
});

export class MeetingState {
  constructor(snapshot) {
    this.seq = snapshot.seq;
    this.meeting = snapshot.meeting;
    this.you = { ...snapshot.you };
    this.participants = new Map(snapshot.participants.map((p) => [p.id, { ...p }]));
    this.breakout = { ...noBreakout(), ...snapshot.breakout, rooms: [...(snapshot.breakout?.rooms || [])] };
    this.helpRequests = new Map((snapshot.helpRequests || []).map((r) => [r.id, r]));
  }

  get me() {
    return this.participants.get(this.you.participantId);
  }

  get isHost() {
    return this.you.role === 'host';
  }

  get isManager() {
    return this.you.role === 'host' || this.you.role === 'cohost';
  }

  room(id) {
    return id ? this.breakout.rooms.find((r) => r.id === id) : undefined;
  }

  roomName(id) {
    if (!id) return 'Main session';
    return this.room(id)?.name ?? 'a room that no longer exists';
  }

  /** The whole state in the snapshot's shape (the browser tests compare it with a fresh one). */
  toSnapshot() {
    const snapshot = {
      seq: this.seq, meeting: this.meeting, you: this.you,
      participants: [...this.participants.values()], breakout: this.breakout,
    };
    if (this.isManager) snapshot.helpRequests = [...this.helpRequests.values()];
    return snapshot;
  }

  /** Applies one event; returns false for one already applied (a replay after reconnecting). */
  apply(type, e, seq) {
    if (seq <= this.seq) return false;
    const each = (change) => { for (const p of this.participants.values()) change(p); };
    const one = (id, change) => { const p = this.participants.get(id); if (p) change(p); };
    switch (type) {
      case 'participant_joined':
        this.participants.set(e.participant.id, { ...e.participant });
        break;
      case 'participant_left':
        this.participants.delete(e.participantId);
        for (const [id, r] of this.helpRequests) if (r.participantId === e.participantId) this.helpRequests.delete(id);
        break;
      case 'role_changed':
        one(e.participantId, (p) => { p.role = e.role; });
        if (e.participantId === this.you.participantId) this.you = { ...this.you, role: e.role };
        break;
      case 'breakout_created':
        this.breakout = { ...noBreakout(), ...e.breakout, rooms: [...e.breakout.rooms] };
        for (const [roomId, members] of Object.entries(e.assignments || {})) {
          for (const id of members) one(id, (p) => { p.assignedRoomId = roomId; });
        }
        break;
      case 'breakout_discarded':
        this.breakout = noBreakout();
        each((p) => { p.assignedRoomId = null; p.location = null; });
        break;
      case 'room_added':
        this.breakout.rooms = [...this.breakout.rooms, e.room];
        break;
      case 'room_renamed':
        this.breakout.rooms = this.breakout.rooms.map((r) => (r.id === e.roomId ? { ...r, name: e.name } : r));
        break;
      case 'room_deleted':
        this.breakout.rooms = this.breakout.rooms.filter((r) => r.id !== e.roomId);
        each((p) => {
          if (p.location === e.roomId) p.location = null;
          if (p.assignedRoomId === e.roomId) p.assignedRoomId = null;
        });
        for (const [id, r] of this.helpRequests) if (r.roomId === e.roomId) this.helpRequests.delete(id);
        break;
      case 'options_changed':
        this.breakout.options = e.options;
        if ('timerEndsAt' in e) this.breakout.timerEndsAt = e.timerEndsAt;
        break;
      case 'assignment_changed':
        one(e.participantId, (p) => { p.assignedRoomId = e.roomId; });
        break;
      case 'breakout_opened':
        this.breakout.status = 'open';
        this.breakout.openedAt = e.openedAt;
        this.breakout.timerEndsAt = e.timerEndsAt;
        // Compact: every participant with an assigned room is now in it.
        if (e.moveAutomatically === true) each((p) => { if (p.assignedRoomId) p.location = p.assignedRoomId; });
        break;
      case 'participant_moved':
        one(e.participantId, (p) => { p.location = e.to; });
        break;
      case 'breakout_closing':
        this.breakout.status = 'closing';
        this.breakout.closingEndsAt = e.closingEndsAt;
        this.breakout.timerEndsAt = null;
        break;
      case 'breakout_closed':
        Object.assign(this.breakout, { status: 'ready', openedAt: null, timerEndsAt: null, closingEndsAt: null });
        each((p) => { p.location = null; });
        this.helpRequests.clear();
        break;
      case 'help_requested':
        this.helpRequests.set(e.request.id, e.request);
        break;
      case 'help_taken':
        if (this.helpRequests.has(e.request.id)) this.helpRequests.set(e.request.id, e.request);
        break;
      case 'help_resolved':
        this.helpRequests.delete(e.request.id);
        break;
      case 'mute_changed':
        for (const id of e.participantIds || []) one(id, (p) => { p.mutedByHost = e.muted; });
        break;
      default:
        break; // move_prompt, broadcast, time_up, meeting_ended change nobody's place
    }
    this.seq = seq;
    return true;
  }
}

export const eventTypes = [
  'participant_joined', 'participant_left', 'role_changed', 'breakout_created', 'breakout_discarded',
  'room_added', 'room_renamed', 'room_deleted', 'options_changed', 'assignment_changed', 'breakout_opened',
  'move_prompt', 'participant_moved', 'broadcast', 'time_up', 'breakout_closing', 'breakout_closed',
  'help_requested', 'help_taken', 'help_resolved', 'mute_changed', 'meeting_ended',
];
