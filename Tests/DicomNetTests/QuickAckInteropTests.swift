@testable import DicomNet
import Foundation
import Testing
import DicomTestSupport

/// dcmtk leaves Nagle's algorithm on unless TCP_NODELAY=1 is in its environment: it writes each
/// answer in two segments and holds the second until the first is acknowledged. The requestor
/// acknowledges at once (TCP_QUICKACK after each read), so a C-ECHO against storescp with its
/// defaults takes well under the 40 ms a delayed ACK costs.
@Suite(.serialized, .dedicatedThreads) struct QuickAckInteropTests {
    @Test func echoAgainstStorescpWithNagleDoesNotWaitForTheDelayedACK() async throws {
        try await EchoInteropTests.withStorescp { port in
            let address = try AssociationAddress(parsing: "SCP@127.0.0.1:\(port)")
            let results = try await Association.echo(address, count: 20)
            #expect(results.allSatisfy { $0.status == DIMSEStatus.success })
            // About 0.5 ms each here; with the stall, every one takes 40 ms or more. Under the
            // load of the whole suite many may be slow for other reasons (a CI run saw a median of
            // 53 ms): the fastest says whether the stall is there, since it spares none.
            let sorted = results.map(\.roundTrip).sorted()
            #expect(sorted[0] < .milliseconds(20), "C-ECHO round trips: \(sorted)")
        }
    }
}
