@testable import DicomNet
import DicomTestSupport
import Foundation
import Testing

/// The listener outlives a connection it failed to accept: an error on the listening channel (as
/// NIO's AcceptHandler fires when a connection's options or pipeline cannot be set up) is reported
/// and the acceptor goes on serving, where it used to end `serve` and `receive` with it (exit 60).
@Suite(.dedicatedThreads) struct AcceptorListenerTests {
    struct AcceptFailed: Error {}

    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func append(_ line: String) { lock.withLock { lines.append(line) } }
        var all: [String] { lock.withLock { lines } }
    }

    @Test func anAcceptFailureDoesNotEndTheListener() async throws {
        var acceptor = AssociationAcceptor(policy: AcceptorInteropTests.policy)
        let events = Lines()
        acceptor.onEvent = { event in
            if case .failed(let peer, let reason) = event { events.append("\(peer): \(reason)") }
        }
        let server = try await acceptor.bind(host: "127.0.0.1", port: 0)
        let port = try #require(server.channel.localAddress?.port)
        let serving = Task(executorPreference: DedicatedThreads.shared) { try await acceptor.serve(server) }
        defer {
            serving.cancel()
            server.channel.close(promise: nil)
        }
        // serve adds its handler first: a served echo says it is in place.
        #expect(try await Association.echo(AssociationAddress(aeTitle: "ARCHIVE", host: "127.0.0.1", port: port), count: 1).map(\.status) == [0])
        server.channel.pipeline.fireErrorCaught(AcceptFailed())
        let results = try await Association.echo(AssociationAddress(aeTitle: "ARCHIVE", host: "127.0.0.1", port: port), count: 2)
        #expect(results.map(\.status) == [0, 0])
        #expect(events.all.contains { $0.hasPrefix("listener: could not accept a connection") }, "\(events.all)")
    }

    /// A listening socket closed under the acceptor (not by stop()) ends serve with an error, so
    /// receive exits with a failure status instead of 0 as if it had been stopped.
    @Test func aListenerClosedUnderneathIsAnError() async throws {
        let acceptor = AssociationAcceptor(policy: AcceptorInteropTests.policy)
        let server = try await acceptor.bind(host: "127.0.0.1", port: 0)
        let serving = Task(executorPreference: DedicatedThreads.shared) { try await acceptor.serve(server) }
        #expect(try await Association.echo(AssociationAddress(aeTitle: "ARCHIVE", host: "127.0.0.1", port: #require(server.channel.localAddress?.port)),
                                           count: 1).map(\.status) == [0])
        try await server.channel.close()
        let error = await #expect(throws: NetError.self) { try await serving.value }
        #expect(error?.code == .cannotConnect)
        #expect(error?.message.contains("stopped listening on 127.0.0.1:") == true, "\(String(describing: error))")
    }

    /// stop() ends serve normally.
    @Test func aStoppedListenerEndsServeWithoutError() async throws {
        let acceptor = AssociationAcceptor(policy: AcceptorInteropTests.policy)
        let server = try await acceptor.bind(host: "127.0.0.1", port: 0)
        let serving = Task(executorPreference: DedicatedThreads.shared) { try await acceptor.serve(server) }
        #expect(try await Association.echo(AssociationAddress(aeTitle: "ARCHIVE", host: "127.0.0.1", port: #require(server.channel.localAddress?.port)),
                                           count: 1).map(\.status) == [0])
        acceptor.stop()
        try await serving.value
    }
}
