import DicomCore
import NIOCore
import NIOPosix

/// Runs async network work from synchronous code (the command-line's commands return an exit
/// status synchronously). The event loops start on first use, so only network commands pay for them.
public enum NetworkRuntime {
    public static func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let promise = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: T.self)
        promise.completeWithTask(body)
        return try promise.futureResult.wait()
    }
}

/// One C-ECHO's outcome, with its round-trip time.
public struct EchoResult: Sendable, Equatable {
    public var status: UInt16
    public var roundTrip: Duration
}

extension Association {
    /// `count` C-ECHOs on one association, each timed from the request's first byte written to
    /// the response's last byte read.
    public static func echo(_ address: AssociationAddress, count: Int, options: RequestorOptions = RequestorOptions()) async throws -> [EchoResult] {
        let contexts = [(abstractSyntax: verificationSOPClassUID,
                         transferSyntaxes: [TransferSyntax.explicitVRLittleEndian.uid, TransferSyntax.implicitVRLittleEndian.uid])]
        return try await withAssociation(to: address, contexts: contexts, options: options) { session in
            var results: [EchoResult] = []
            let clock = ContinuousClock()
            for _ in 0..<count {
                let start = clock.now
                let status = try await session.echo()
                results.append(EchoResult(status: status, roundTrip: clock.now - start))
            }
            return results
        }
    }
}
