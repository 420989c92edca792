import Crypto
import DicomCore

/// The rules target links swift-crypto (HMAC for keyed anonymization).
enum RulesTarget {
    static var hmacAvailable: Bool {
        let key = SymmetricKey(size: .bits256)
        return HMAC<SHA256>.authenticationCode(for: [UInt8](), using: key).byteCount == 32
    }
}
