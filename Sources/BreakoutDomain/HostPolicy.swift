/// Who may create meetings (and so host them) when people sign in at the campus provider:
/// `BREAKOUT_HOST_POLICY`. Everyone who signs in may join; only these may host.
public enum HostPolicy: Sendable, Equatable, CustomStringConvertible {
    /// Anyone signed in (the default).
    case anyone
    /// Those with one of `values` in the claim `name` of their ID token or userinfo (a string or an
    /// array of strings), e.g. `eduPersonAffiliation` ∈ {employee, staff, faculty}.
    case claim(name: String, values: Set<String>)
    /// Those whose verified email is in one of `domains`.
    case domain(Set<String>)

    /// Reads `anyone`, `claim:NAME=V1,V2,…` or `domain:D1,D2`; nil for anything else.
    public init?(_ text: String) {
        let text = text.trimmingWhitespace()
        if text == "anyone" || text.isEmpty {
            self = .anyone
        } else if text.hasPrefix("claim:") {
            let rule = text.dropFirst("claim:".count)
            guard let equals = rule.firstIndex(of: "=") else { return nil }
            let name = String(rule[..<equals]).trimmingWhitespace()
            let values = Self.list(rule[rule.index(after: equals)...])
            guard !name.isEmpty, !values.isEmpty else { return nil }
            self = .claim(name: name, values: values)
        } else if text.hasPrefix("domain:") {
            let domains = Set(Self.list(text.dropFirst("domain:".count)).map { $0.lowercased() })
            guard !domains.isEmpty else { return nil }
            self = .domain(domains)
        } else {
            return nil
        }
    }

    private static func list(_ text: Substring) -> Set<String> {
        Set(text.split(separator: ",").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty })
    }

    /// Whether a person with these claims (ID token and userinfo together) may host.
    public func allows(claims: [String: JSONValue], email: String?, emailVerified: Bool) -> Bool {
        switch self {
        case .anyone:
            return true
        case .claim(let name, let values):
            switch claims[name] {
            case .string(let value)?: return values.contains(value)
            case .array(let items)?: return items.contains { $0.stringValue.map(values.contains) ?? false }
            default: return false
            }
        case .domain(let domains):
            guard emailVerified, let email, let at = email.lastIndex(of: "@") else { return false }
            return domains.contains(email[email.index(after: at)...].lowercased())
        }
    }

    /// What a person who may not host is told: whom they may host as.
    public var description: String {
        switch self {
        case .anyone: "Anyone signed in may host."
        case .claim(let name, let values):
            "Hosting is for people whose \(name) is \(values.sorted().joined(separator: " or ")) at the campus provider."
        case .domain(let domains):
            "Hosting is for people with a verified email at \(domains.sorted().joined(separator: " or "))."
        }
    }
}
