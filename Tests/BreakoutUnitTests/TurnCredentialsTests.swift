import BreakoutDomain
import BreakoutServer
import Foundation
import Testing

/// TURN credentials as coturn's `use-auth-secret` checks them (TurnTests has coturn itself accept
/// and refuse them). The expected passwords were computed apart from this code, with Python:
///   python3 -c 'import hmac, hashlib, base64; u = "1700003600:0f0e0d0c-0b0a-0908-0706-050403020100";
///     print(base64.b64encode(hmac.new(b"turn-secret-0123456789abcdef", u.encode(), hashlib.sha1).digest()).decode())'
@Suite("TURN credentials")
struct TurnCredentialsTests {
    let secret = "turn-secret-0123456789abcdef"
    let participant = UUID(uuidString: "0F0E0D0C-0B0A-0908-0706-050403020100")!
    let now = Date(timeIntervalSince1970: 1_700_000_000.75)
    let urls = ["turn:turn.example.org:3478?transport=udp", "turn:turn.example.org:3478?transport=tcp"]

    @Test("username is <expiry>:<participant id in lower case>; the password is base64(HMAC-SHA1(secret, username))")
    func knownVector() {
        let credentials = TurnCredentials(secret: secret, participantId: participant, urls: urls, now: now)
        #expect(credentials.expiry == 1_700_003_600)
        #expect(credentials.username == "1700003600:0f0e0d0c-0b0a-0908-0706-050403020100")
        #expect(credentials.credential == "L44gyvfq5fzjbxAmQBB4TxXXsMs=")
        #expect(credentials.urls == urls)
    }

    @Test("a shorter lifetime gives an earlier expiry, and a password of its own")
    func shorterLifetime() {
        let credentials = TurnCredentials(secret: secret, participantId: participant, urls: urls, lifetime: .seconds(600), now: now)
        #expect(credentials.username == "1700000600:0f0e0d0c-0b0a-0908-0706-050403020100")
        #expect(credentials.credential == "12udJQzASSzf9YvR2PxtNEpKmPY=")
    }

    @Test("the lifetime is capped at one hour, and is at least a second")
    func lifetimeCapped() {
        let day = TurnCredentials(secret: secret, participantId: participant, urls: urls, lifetime: .seconds(86_400), now: now)
        #expect(day.expiry == 1_700_003_600)
        #expect(day.credential == "L44gyvfq5fzjbxAmQBB4TxXXsMs=")
        let none = TurnCredentials(secret: secret, participantId: participant, urls: urls, lifetime: .zero, now: now)
        #expect(none.expiry == 1_700_000_001)
    }

    @Test("another secret gives another password for the same username")
    func secretMatters() {
        let other = TurnCredentials(secret: secret + "x", participantId: participant, urls: urls, now: now)
        #expect(other.username == "1700003600:0f0e0d0c-0b0a-0908-0706-050403020100")
        #expect(other.credential != "L44gyvfq5fzjbxAmQBB4TxXXsMs=")
    }

    @Test("shaped as one RTCIceServer: urls, username, credential")
    func iceServer() throws {
        let server = TurnCredentials(secret: secret, participantId: participant, urls: urls, now: now).iceServer
        #expect(server == [
            "urls": ["turn:turn.example.org:3478?transport=udp", "turn:turn.example.org:3478?transport=tcp"],
            "username": "1700003600:0f0e0d0c-0b0a-0908-0706-050403020100",
            "credential": "L44gyvfq5fzjbxAmQBB4TxXXsMs=",
        ])
        let text = String(decoding: try JSONEncoder().encode(server), as: UTF8.self)
        let decoded = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        #expect(decoded?["urls"] as? [String] == urls)
        #expect(Set(decoded?.keys.map { $0 } ?? []) == ["urls", "username", "credential"])
    }

    @Test("the media configuration's iceServers: one TURN server when configured, none otherwise")
    func iceServers() {
        var media = MediaConfiguration(adminKey: "media-admin-key-0123456789")
        #expect(media.iceServers(for: participant, now: now) == [])
        media.turnURLs = urls
        #expect(media.iceServers(for: participant, now: now) == [], "URLs without a secret give nothing")
        media.turnSecret = secret
        #expect(media.iceServers(for: participant, now: now)
            == [TurnCredentials(secret: secret, participantId: participant, urls: urls, now: now).iceServer])
        #expect(media.iceServers(for: participant, now: now).arrayValue?.first?["credential"] == "L44gyvfq5fzjbxAmQBB4TxXXsMs=")
    }

    @Test("TURN URLs: turn: over UDP or TCP, turns: over TLS (TCP only), host, port and transport checked")
    func urlValidation() {
        for url in [
            "turn:turn.example.org", "turn:turn.example.org:3478", "turn:127.0.0.1:3478?transport=udp",
            "turn:127.0.0.1:3478?transport=tcp", "turns:turn.example.org:443?transport=tcp", "turns:turn.example.org:5349",
            "turn:[2001:db8::1]:3478?transport=udp",
        ] {
            #expect(TurnCredentials.isValidURL(url), "\(url)")
        }
        for url in [
            "", "turn:", "stun:turn.example.org:3478", "http://turn.example.org", "turn://turn.example.org:3478",
            "turn:turn.example.org:0", "turn:turn.example.org:70000", "turn:turn.example.org:3478?transport=sctp",
            "turns:turn.example.org:443?transport=udp", "turn:turn.example.org:3478 ", "turn:user@turn.example.org",
        ] {
            #expect(!TurnCredentials.isValidURL(url), "\(url)")
        }
    }
}
