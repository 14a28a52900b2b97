@testable import BreakoutServer
import Foundation
import Testing

/// The media signalling's requests: the whole list is served, nothing else is.
@Suite("Media signalling requests")
struct SignalRequestTests {
    static let feed = UUID(uuidString: "5F0C2B4E-8D4A-4F43-9A8E-4A2B1C3D4E5F")!

    @Test("each request of the protocol is read, with its id", arguments: [
        (#"{"type":"join","id":"a"}"#, SignalRequest.join),
        (#"{"type":"publish","sdp":"v=0"}"#, .publish(sdp: "v=0")),
        (#"{"type":"unpublish"}"#, .unpublish),
        (#"{"type":"subscribe","feed":"5f0c2b4e-8d4a-4f43-9a8e-4a2b1c3d4e5f"}"#, .subscribe(feed: feed)),
        (#"{"type":"answer","feed":"5f0c2b4e-8d4a-4f43-9a8e-4a2b1c3d4e5f","sdp":"v=0"}"#, .answer(feed: feed, sdp: "v=0")),
        (#"{"type":"unsubscribe","feed":"5f0c2b4e-8d4a-4f43-9a8e-4a2b1c3d4e5f"}"#, .unsubscribe(feed: feed)),
        (#"{"type":"trickle","candidate":{"candidate":"candidate:1 1 udp 1 127.0.0.1 5000 typ host","sdpMid":"0","sdpMLineIndex":0}}"#,
         .trickle(feed: nil, candidate: .init(candidate: "candidate:1 1 udp 1 127.0.0.1 5000 typ host", sdpMid: "0", sdpMLineIndex: 0))),
        (#"{"type":"trickle","feed":"5f0c2b4e-8d4a-4f43-9a8e-4a2b1c3d4e5f","candidate":null}"#, .trickle(feed: feed, candidate: nil)),
        (#"{"type":"mute","kind":"audio","muted":true}"#, .mute(kind: .audio, muted: true)),
        (#"{"type":"leave"}"#, .leave),
    ])
    func reads(text: String, expected: SignalRequest) throws {
        let (id, request) = SignalRequest.parse(text)
        #expect(try request.get() == expected)
        if text.contains(#""id":"a""#) { #expect(id == "a") }
    }

    @Test("Janus's own requests, and anything else, are refused with a code; the id still answers", arguments: [
        (#"{"type":"record","id":"x"}"#, "signal_refused"),
        (#"{"type":"rtp_forward","host":"10.0.0.1","port":5000}"#, "signal_refused"),
        (#"{"type":"listparticipants","room":"room-1"}"#, "signal_refused"),
        (#"{"type":"kick","feed":"5f0c2b4e-8d4a-4f43-9a8e-4a2b1c3d4e5f"}"#, "signal_refused"),
        (#"{"janus":"message","body":{"request":"join","room":"room-1"}}"#, "malformed_signal"),
        (#"{"type":"join","room":"room-other"}"#, "malformed_signal"),
        (#"{"type":"join","feedId":"5f0c2b4e-8d4a-4f43-9a8e-4a2b1c3d4e5f"}"#, "malformed_signal"),
        (#"{"type":"publish","sdp":"v=0","record":true}"#, "malformed_signal"),
        (#"{"type":"publish"}"#, "malformed_signal"),
        (#"{"type":"subscribe","feed":"observer-1"}"#, "malformed_signal"),
        (#"{"type":"mute","kind":"screen","muted":true}"#, "malformed_signal"),
        (#"{"type":"mute","kind":"audio"}"#, "malformed_signal"),
        (#"{"type":"trickle","candidate":"candidate:1"}"#, "malformed_signal"),
        (#"["join"]"#, "malformed_signal"),
        (#"join"#, "malformed_signal"),
        (#"{"type":"join","id":7}"#, "malformed_signal"),
    ])
    func refuses(text: String, code: String) {
        let (id, request) = SignalRequest.parse(text)
        #expect(throws: SignalRequest.Refusal.self) { try request.get() }
        if case .failure(let refusal) = request { #expect(refusal.code.rawValue == code, "\(text): \(refusal)") }
        if text.contains(#""id":"x""#) { #expect(id == "x") }
    }

    @Test("the OpenAPI document names every refusal of the signalling")
    func documented() throws {
        let text = try String(contentsOf: OpenAPIDocumentTests.file, encoding: .utf8)
        for code in SignalRequest.Refusal.Code.allCases {
            #expect(text.contains("`\(code.rawValue)`"), "openapi.yaml does not name \(code.rawValue)")
        }
    }

    @Test("an SDP is bounded")
    func sdpBound() {
        let big = String(repeating: "a", count: SignalRequest.maxSDPBytes + 1)
        let (_, request) = SignalRequest.parse(#"{"type":"publish","sdp":"\#(big)"}"#)
        #expect(throws: SignalRequest.Refusal.self) { try request.get() }
    }
}
