import BreakoutStore
import Crypto
import Foundation

/// The secrets Janus checks, derived from the admin key that only the nodes hold, so that every
/// node computes the same ones and no table stores them: a participant's media token (what Janus
/// finds in the `allowed` list of the one room the participant may join), each room's `secret`
/// (for changing it), and the token of the nodes' own observer.
enum MediaSecrets {
    static func participantToken(_ participantId: UUID, key: String) -> String {
        derive("media token \(participantId.uuidString.lowercased())", key: key)
    }

    static func roomSecret(_ room: String, key: String) -> String {
        derive("media room secret \(room)", key: key)
    }

    static func observerToken(key: String) -> String {
        derive("media observer", key: key)
    }

    private static func derive(_ text: String, key: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: SymmetricKey(data: Data(key.utf8)))
        return Tokens.base64URL(Data(mac))
    }
}
