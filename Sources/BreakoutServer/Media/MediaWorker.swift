import BreakoutDomain
import BreakoutStore
import Foundation
import Logging
import ServiceLifecycle
import Prometheus
import Synchronization

/// Makes Janus follow the database. Every node runs one; there is no leader. A meeting's media is
/// reconciled by whichever worker claims its `media_meetings` row (FOR UPDATE SKIP LOCKED): it reads
/// where everyone is, compares with what was last applied, sends Janus the difference (create and
/// destroy rooms, add and remove tokens in `allowed` lists, kick people from rooms they left, apply
/// host mutes) and records the result, in one transaction. A node killed half-way has recorded
/// nothing; the next worker plans from the last recorded state, and every Janus call is harmless
/// when repeated.
///
/// What wakes it:
/// - each NOTIFY of a meeting's new events (every node hears all of them; one claims the meeting,
///   the others skip it at once, and the claimer looks again after its commit);
/// - a sweep every `sweepInterval` (1 s): meetings whose media lags their last event (a worker
///   that died, a Janus that was down), and a check that Janus still knows the service's sentinel
///   room; when it does not, Janus restarted and forgot every room, so what was applied there is
///   forgotten and rebuilt from the database, within one sweep and one reconcile round;
/// - the same sweep's moderation pass: rooms where someone is muted by the host are looked at, and
///   anyone publishing audio there unmuted is muted again (a muted person who rejoins is muted
///   within a second, whatever their page does);
/// - and its audit (`MediaAudit`): every occupied room's feeds against the database, every second.
///
/// Commands never wait for it; a Janus that is down only leaves media behind until it is back.
final class MediaWorker: Service, Sendable {
    let store: MeetingStore
    let janus: JanusClient
    let configuration: MediaConfiguration
    let logger: Logger
    let sweepInterval: Duration
    private let queue = Mutex(ReconcileQueue())
    /// Reconciles one node runs at once: they are mostly round trips to Janus and PostgreSQL
    /// (8 of the pool's 20 connections at most).
    static let concurrentReconciles = 8
    /// Whether the last sweep failed: a failing Janus is logged once, not every second.
    private let sweepFailing = Atomic<Bool>(false)
    private let wake: AsyncStream<Void>
    private let wakeContinuation: AsyncStream<Void>.Continuation

    static let sentinelRoom = "breakout-sentinel"
    /// Publishers one media room takes: a lecture's main session with everyone's camera on.
    static let publishersPerRoom = 1000

    private let audit: MediaAudit

    init(
        store: MeetingStore, configuration: MediaConfiguration, logger: Logger, metrics: PrometheusCollectorRegistry,
        sweepInterval: Duration = .seconds(1)
    ) {
        self.store = store
        self.configuration = configuration
        self.janus = JanusClient(url: configuration.janusURL, adminKey: configuration.adminKey)
        audit = MediaAudit(
            store: store, janus: janus, adminKey: configuration.adminKey,
            kicks: metrics.makeCounter(name: "breakout_media_audit_kicks_total",
                                       help: "Feeds the media audit kicked from a room the database does not put them in."),
            logger: logger)
        self.logger = logger
        self.sweepInterval = sweepInterval
        (wake, wakeContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// A meeting has new events: its media may have to change.
    func notify(_ meetingId: UUID) {
        queue.withLock { $0.add(urgent: meetingId) }
        wakeContinuation.yield()
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.reconcileLoop() }
                group.addTask { await self.sweepLoop() }
                await group.next()
                group.cancelAll()
            }
        }
    }

    // MARK: Reconciling

    /// Starts reconciles as the queue gives them, up to `concurrentReconciles` at once; woken by
    /// every notification, sweep and finished reconcile.
    private func reconcileLoop() async {
        await withDiscardingTaskGroup { group in
            for await _ in wake {
                if Task.isCancelled { return }
                while queue.withLock({ $0.inFlight.count }) < Self.concurrentReconciles,
                      let meetingId = queue.withLock({ $0.next() }) {
                    group.addTask {
                        await self.reconcile(meetingId)
                        self.queue.withLock { $0.finished(meetingId) }
                        self.wakeContinuation.yield()
                    }
                }
            }
        }
    }

    func reconcile(_ meetingId: UUID) async {
        let clock = ContinuousClock()
        let started = clock.now
        do {
            let applying = Mutex<ContinuousClock.Instant?>(nil)
            let finished = Mutex<ContinuousClock.Instant?>(nil)
            _ = try await store.reconcileMedia(meetingId, server: janus.url) { claim in
                applying.withLock { $0 = clock.now }
                let applied = claim.appliedIsUncertain ? try await self.actualLayout(claim) : claim.applied
                var plan = MediaPlan.from(applied, to: claim.wanted)
                if claim.appliedIsUncertain { plan.moderate.formUnion(claim.wanted.rooms.keys) }
                try await self.apply(plan, wanted: claim.wanted)
                finished.withLock { $0 = clock.now }
                return claim.wanted
            }
            let took = clock.now - started
            if took > .seconds(1) {
                logger.warning("media reconcile was slow", metadata: [
                    "meeting": "\(meetingId)", "took": "\(took)",
                    "claim": "\(applying.withLock { $0 }.map { $0 - started } ?? .zero)",
                    "janus": "\(applying.withLock { $0 }.flatMap { a in finished.withLock { $0 }.map { $0 - a } } ?? .zero)"])
            }
        } catch {
            logger.warning("media reconcile failed; retried by the next sweep",
                           metadata: ["meeting": "\(meetingId)", "error": "\(String(reflecting: error))"])
        }
    }

    /// Creates and allows first, so that a moved person's page finds its new room ready, then
    /// takes tokens out and kicks, then destroys rooms, then applies mutes.
    private func apply(_ plan: MediaPlan, wanted: MediaLayout) async throws {
        for (room, members) in plan.create { try await create(room, allowing: members) }
        for (room, members) in plan.allow {
            do {
                _ = try await janus.videoroom(allowed(room, "add", members))
            } catch let failure as JanusClient.Failure where failure.code == VideoroomError.noSuchRoom {
                try await create(room, allowing: Set(wanted.rooms[room]?.keys ?? [:].keys))
            }
        }
        for (room, members) in plan.disallow {
            do {
                _ = try await janus.videoroom(allowed(room, "remove", members))
            } catch let failure as JanusClient.Failure where failure.code == VideoroomError.noSuchRoom {
                continue  // nothing to leave
            }
            for member in members { try await kick(member, from: room) }
        }
        for room in plan.destroy {
            do {
                _ = try await janus.videoroom(["request": "destroy", "room": .string(room), "secret": secret(room)])
            } catch let failure as JanusClient.Failure where failure.code == VideoroomError.noSuchRoom {}
        }
        for room in plan.moderate { try await moderate(room, members: wanted.rooms[room] ?? [:]) }
    }

    /// What Janus really has for the claim's rooms, when what was recorded cannot be trusted (an
    /// earlier reconcile died half-way): each room's `allowed` list, read back. Tokens that belong
    /// to nobody the meeting knows (someone who left, whose removal died with that reconcile) are
    /// taken out at once.
    private func actualLayout(_ claim: MeetingStore.MediaClaim) async throws -> MediaLayout {
        var people: [String: UUID] = [:]
        for members in claim.wanted.rooms.values.map(\.keys) + claim.applied.rooms.values.map(\.keys) {
            for id in members { people[token(id)] = id }
        }
        let observer = MediaSecrets.observerToken(key: configuration.adminKey)
        var actual = MediaLayout()
        for room in Set(claim.wanted.rooms.keys).union(claim.applied.rooms.keys) {
            let tokens: [JSONValue]
            do {
                tokens = try await janus.videoroom(allowed(room, "add", []))["allowed"]?.arrayValue ?? []
            } catch let failure as JanusClient.Failure where failure.code == VideoroomError.noSuchRoom {
                continue
            }
            var members: [UUID: Bool] = [:]
            var strangers: [JSONValue] = []
            for value in tokens {
                guard let text = value.stringValue, text != observer else { continue }
                if let id = people[text] { members[id] = claim.applied.rooms[room]?[id] ?? false } else { strangers.append(value) }
            }
            if !strangers.isEmpty {
                _ = try await janus.videoroom(["request": "allowed", "room": .string(room), "secret": secret(room),
                                               "action": "remove", "allowed": .array(strangers)])
            }
            actual.rooms[room] = members
        }
        return actual
    }

    /// Creates a room allowing exactly `members` (and the observer). When it exists already (what
    /// was applied was forgotten, but Janus kept the room), its list is made exact instead.
    private func create(_ room: String, allowing members: Set<UUID>) async throws {
        var tokens = members.map { JSONValue.string(token($0)) }
        tokens.append(.string(MediaSecrets.observerToken(key: configuration.adminKey)))
        let request: [String: JSONValue] = [
            "request": "create", "room": .string(room), "admin_key": .string(configuration.adminKey),
            "secret": secret(room), "description": .string(room), "is_private": true, "allowed": .array(tokens),
            "require_pvtid": true, "publishers": .number(Double(Self.publishersPerRoom)),
            // Nobody records: without the room's secret, a publisher cannot ask Janus to.
            "lock_record": true,
            "bitrate": .number(Double(configuration.bitrate)),
        ]
        do {
            _ = try await janus.videoroom(request)
        } catch let failure as JanusClient.Failure where failure.code == VideoroomError.roomExists {
            let current = try await janus.videoroom(allowed(room, "add", members))["allowed"]?.arrayValue ?? []
            let wantedTokens = Set(tokens.compactMap(\.stringValue))
            let extra = current.filter { !wantedTokens.contains($0.stringValue ?? "") }
            if !extra.isEmpty {
                _ = try await janus.videoroom(["request": "allowed", "room": .string(room), "secret": secret(room),
                                               "action": "remove", "allowed": .array(extra)])
            }
        }
    }

    private func kick(_ member: UUID, from room: String) async throws {
        do {
            _ = try await janus.videoroom(["request": "kick", "room": .string(room), "secret": secret(room),
                                           "id": .string(member.uuidString.lowercased())])
        } catch let failure as JanusClient.Failure
                    where failure.code == VideoroomError.noSuchFeed || failure.code == VideoroomError.noSuchRoom {}
    }

    /// Makes each publisher's audio in `room` muted exactly when the host muted them.
    private func moderate(_ room: String, members: [UUID: Bool]) async throws {
        let publishers: [JSONValue]
        do {
            publishers = try await janus.publishers(in: room)
        } catch let failure as JanusClient.Failure where failure.code == VideoroomError.noSuchRoom {
            return
        }
        for publisher in publishers {
            guard let id = publisher["id"]?.stringValue, let participantId = UUID(uuidString: id) else { continue }
            let muted = members[participantId] ?? false
            for stream in publisher["streams"]?.arrayValue ?? [] where stream["type"]?.stringValue == "audio" {
                guard let mid = stream["mid"]?.stringValue, (stream["moderated"]?.boolValue ?? false) != muted else { continue }
                do {
                    _ = try await janus.videoroom(["request": "moderate", "room": .string(room), "secret": secret(room),
                                                   "id": .string(id), "mid": .string(mid), "mute": .bool(muted)])
                } catch let failure as JanusClient.Failure where failure.code == VideoroomError.noSuchFeed {}
            }
        }
    }

    private func allowed(_ room: String, _ action: String, _ members: Set<UUID>) -> [String: JSONValue] {
        ["request": "allowed", "room": .string(room), "secret": secret(room), "action": .string(action),
         "allowed": .array(members.map { .string(token($0)) })]
    }

    private func token(_ participantId: UUID) -> String { MediaSecrets.participantToken(participantId, key: configuration.adminKey) }
    private func secret(_ room: String) -> JSONValue { .string(MediaSecrets.roomSecret(room, key: configuration.adminKey)) }

    // MARK: Sweeping

    private func sweepLoop() async {
        while !Task.isCancelled {
            await sweep()
            // While Janus is unreachable, look four times as often: when it comes back, its rooms
            // are rebuilt within a quarter of the interval.
            try? await Task.sleep(for: sweepFailing.load(ordering: .relaxed) ? sweepInterval / 4 : sweepInterval)
        }
    }

    func sweep() async {
        do {
            try await checkSentinel()
            let stale = try await store.meetingsWithStaleMedia()
            if !stale.isEmpty {
                queue.withLock { queue in for meetingId in stale { queue.add(backlog: meetingId) } }
                wakeContinuation.yield()
            }
            _ = try await store.withMutedMediaRooms(server: janus.url) { rooms in
                for (room, members) in rooms { try await self.moderate(room, members: members) }
                return true
            }
            try await audit.run()
            if sweepFailing.exchange(false, ordering: .relaxed) { logger.notice("media sweeps work again") }
        } catch {
            if !sweepFailing.exchange(true, ordering: .relaxed) {
                logger.warning("media sweep failed; trying every second", metadata: ["error": "\(error)"])
            }
        }
    }

    /// The sentinel room exists from the first sweep after Janus starts; a Janus without it has
    /// restarted since, and has forgotten every room.
    private func checkSentinel() async throws {
        let exists = try await janus.videoroom(["request": "exists", "room": .string(Self.sentinelRoom)])["exists"]?.boolValue
        guard exists == false else { return }
        logger.notice("Janus has no rooms of ours (it restarted): rebuilding its rooms from the database", metadata: ["janus": "\(janus.url)"])
        try await store.forgetMedia(on: janus.url)
        do {
            _ = try await janus.videoroom([
                "request": "create", "room": .string(Self.sentinelRoom), "admin_key": .string(configuration.adminKey),
                "secret": secret(Self.sentinelRoom), "is_private": true, "allowed": [], "publishers": 1,
            ])
        } catch let failure as JanusClient.Failure where failure.code == VideoroomError.roomExists {}
    }
}

/// The videoroom plugin's error codes that a reconcile expects and takes in its stride.
enum VideoroomError {
    static let noSuchRoom = 426
    static let roomExists = 427
    static let noSuchFeed = 428
    /// A join under an id that a publisher of the room already has.
    static let idExists = 436
}
