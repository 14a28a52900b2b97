import Crypto
import Foundation

/// Bearer tokens: 256 random bits, handed out once; only their SHA-256 is stored.
public enum Tokens {
    /// A new token, base64url without padding (43 characters).
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return base64URL(Data(bytes))
    }

    /// The stored form (bytea).
    public static func hash(_ token: String) -> Data {
        Data(SHA256.hash(data: Data(token.utf8)))
    }

    /// A signed-in person's participant token in a meeting: derived from the nodes' shared secret,
    /// so that the same person gets the same token on every node, tab and device (one person, one
    /// participant) and no table holds it.
    public static func participantToken(meetingId: UUID, userId: UUID, secret: String) -> String {
        let message = Data("participant \(meetingId.uuidString.lowercased()) \(userId.uuidString.lowercased())".utf8)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Data(secret.utf8)))
        return base64URL(Data(mac))
    }

    public static func base64URL(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// Human-typable meeting codes: 10 characters from an alphabet without look-alikes (no 0/O, 1/I/L).
public enum MeetingCode {
    static let alphabet = Array("23456789ABCDEFGHJKMNPQRSTUVWXYZ")

    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<10).map { _ in alphabet.randomElement(using: &generator)! })
    }

    /// What people type: any case, with spaces or dashes.
    public static func normalize(_ typed: String) -> String {
        String(typed.uppercased().filter { $0.isLetter || $0.isNumber })
    }
}
