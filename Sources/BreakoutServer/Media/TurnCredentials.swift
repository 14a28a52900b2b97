import BreakoutDomain
import Crypto
import Foundation

/// Time-limited TURN credentials, as coturn's `use-auth-secret` checks them (the "TURN REST API"):
/// the username is `<expiry in Unix seconds>:<participant id>`, the password the base64 of its
/// HMAC-SHA1 under the secret that the nodes and coturn share. coturn needs no user database and
/// the nodes store nothing: any node computes the same credentials, and coturn refuses them (401)
/// once the expiry has passed. Pure: the clock is an argument.
///
/// Handed to a participant's browser as one `RTCIceServer`, so that people behind networks that
/// block UDP or direct connections still reach Janus, relayed by the TURN server.
public struct TurnCredentials: Sendable, Equatable {
    /// The longest validity handed out: a browser gets fresh ones with every join, and a leaked
    /// credential stops working within the hour. coturn checks the expiry when a client's session
    /// first authenticates, not on the refreshes of an allocation it holds, so a call in progress
    /// is not cut off at the hour; a new allocation (an ICE restart) needs a join's fresh ones.
    public static let maximumLifetime: Duration = .seconds(3600)

    /// `<expiry>:<participant id, lower-case>`.
    public let username: String
    /// base64(HMAC-SHA1(secret, username)).
    public let credential: String
    /// The TURN server's URLs (`turn:` and `turns:`, each with its transport).
    public let urls: [String]
    /// When coturn stops accepting them, in whole Unix seconds.
    public let expiry: Int

    /// Credentials for `participantId` valid from `now` for `lifetime`, capped at
    /// `maximumLifetime` (the default) and at least one second.
    public init(secret: String, participantId: UUID, urls: [String], lifetime: Duration = maximumLifetime, now: Date) {
        let seconds = min(max(lifetime.components.seconds, 1), Self.maximumLifetime.components.seconds)
        expiry = Int(now.timeIntervalSince1970.rounded(.down)) + Int(seconds)
        username = "\(expiry):\(participantId.uuidString.lowercased())"
        credential = Self.password(username: username, secret: secret)
        self.urls = urls
    }

    /// coturn's password for `username`: base64(HMAC-SHA1(secret, username)). SHA-1 is what coturn
    /// checks; as an HMAC it is still sound, and the secret never leaves the servers.
    public static func password(username: String, secret: String) -> String {
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Data(username.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return Data(mac).base64EncodedString()
    }

    /// Whether `url` is a TURN URL a browser takes (RFC 7065): `turn:` or `turns:`, a host name,
    /// IPv4 or bracketed IPv6 address, an optional port and an optional `?transport=udp` or `tcp`
    /// (`turns:` is TLS, over TCP only).
    public static func isValidURL(_ url: String) -> Bool {
        guard let match = url.wholeMatch(of: /(turns?):([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?(\?transport=(udp|tcp))?/) else {
            return false
        }
        if let port = match.output.3, !(1...65535).contains(Int(port.dropFirst()) ?? 0) { return false }
        return !(match.output.1 == "turns" && match.output.5 == "udp")
    }

    /// One WebRTC `RTCIceServer`: `{"urls": [...], "username": ..., "credential": ...}`.
    public var iceServer: JSONValue {
        ["urls": .array(urls.map { .string($0) }), "username": .string(username), "credential": .string(credential)]
    }
}

extension MediaConfiguration {
    /// The `iceServers` a participant's browser gives its `RTCPeerConnection`: one TURN server with
    /// credentials for `participantId` valid for an hour from `now`, or `[]` when TURN is not
    /// configured (the browser then uses its own host and STUN-less candidates only).
    public func iceServers(for participantId: UUID, now: Date) -> JSONValue {
        guard let secret = turnSecret, !turnURLs.isEmpty else { return [] }
        return [TurnCredentials(secret: secret, participantId: participantId, urls: turnURLs, now: now).iceServer]
    }
}
