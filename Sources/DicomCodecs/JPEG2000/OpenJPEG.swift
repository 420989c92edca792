internal import COpenJPEG
import DicomCore
import FoundationEssentials

/// OpenJPEG's handles: `opj_codec_t` and `opj_stream_t` are `void *`, its calls take pointers to them.
typealias OPJCodec = UnsafeMutablePointer<opj_codec_t?>
typealias OPJStream = UnsafeMutablePointer<opj_stream_t?>

/// Collects OpenJPEG's error messages for the `cause` of a DicomError. The codec holds an
/// unretained pointer to it, so callers keep it alive (`withExtendedLifetime`) while the codec runs.
final class OpenJPEGLog: @unchecked Sendable {
    // OpenJPEG's worker threads may report errors concurrently.
    private let lock = Lock()
    private var messages: [String] = []

    var text: String {
        lock.withLock { messages.isEmpty ? "no message from OpenJPEG" : messages.joined(separator: "; ") }
    }

    func append(_ message: String) {
        lock.withLock { messages.append(message) }
    }

    func attach(to codec: OPJCodec) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        _ = opj_set_error_handler(codec, { message, context in
            guard let message, let context else { return }
            let log = Unmanaged<OpenJPEGLog>.fromOpaque(context).takeUnretainedValue()
            log.append(String(cString: message).trimmingWhitespaceAndNewlines())
        }, context)
        // Warnings and progress messages are not errors; they are dropped.
        _ = opj_set_warning_handler(codec, { _, _ in }, nil)
        _ = opj_set_info_handler(codec, { _, _ in }, nil)
    }
}

/// OpenJPEG streams over memory. The stream owns (retains) a Swift object as its user data and
/// releases it through the stream's free callback, so the library never points at freed memory.
enum MemoryStream {
    /// OpenJPEG's "end of stream / failure" from a read or write callback is `(OPJ_SIZE_T)-1`.
    /// Swift imports `size_t` as `Int`, so `OPJ_SIZE_T.max` is `Int.max`, not all ones: OpenJPEG
    /// took it for a read of 2^63-1 bytes, advanced its byte offset past the data and aborted
    /// (cio.c opj_stream_get_number_byte_left assertion) or copied past its 64 KiB buffer.
    static let endOfStream = OPJ_SIZE_T(bitPattern: UInt(bitPattern: -1))
    final class Source {
        let bytes: [UInt8]
        var position = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }
    }

    final class Sink {
        var bytes: [UInt8] = []
        var position = 0
        /// `expected`: room reserved up front (untouched pages cost nothing), so a codestream
        /// of that size is written without the copies of a growing array.
        init(expected: Int = 0) { bytes.reserveCapacity(expected) }
    }

    static func reading(_ bytes: [UInt8]) throws(DicomError) -> OPJStream {
        guard let stream = opj_stream_create(1 << 16, 1) else {
            throw DicomError(.internalError, "OpenJPEG stream could not be created")
        }
        let source = Source(bytes)
        opj_stream_set_user_data(stream, Unmanaged.passRetained(source).toOpaque()) { context in
            guard let context else { return }
            Unmanaged<Source>.fromOpaque(context).release()
        }
        opj_stream_set_user_data_length(stream, UInt64(bytes.count))  // conversion: a count is never negative
        opj_stream_set_read_function(stream) { buffer, wanted, context in
            guard let buffer, let context else { return MemoryStream.endOfStream }
            let source = Unmanaged<Source>.fromOpaque(context).takeUnretainedValue()
            let available = source.bytes.count - source.position
            guard available > 0 else { return MemoryStream.endOfStream }
            let n = min(Int(clamping: wanted), available)
            source.bytes.withUnsafeBytes { all in
                guard let base = all.baseAddress else { return }
                buffer.copyMemory(from: base + source.position, byteCount: n)
            }
            source.position += n
            return OPJ_SIZE_T(n)
        }
        opj_stream_set_skip_function(stream) { distance, context in
            guard let context else { return -1 }
            let source = Unmanaged<Source>.fromOpaque(context).takeUnretainedValue()
            // OpenJPEG skips by lengths read from the codestream: a sum past Int's range is the end.
            let (sum, overflow) = source.position.addingReportingOverflow(Int(distance))  // conversion: OPJ_OFF_T is Int64
            let target = overflow ? (distance < 0 ? 0 : source.bytes.count) : max(0, min(source.bytes.count, sum))
            let moved = target - source.position
            source.position = target
            return OPJ_OFF_T(moved)
        }
        opj_stream_set_seek_function(stream) { offset, context in
            guard let context else { return 0 }
            let source = Unmanaged<Source>.fromOpaque(context).takeUnretainedValue()
            guard offset >= 0, offset <= OPJ_OFF_T(source.bytes.count) else { return 0 }
            source.position = Int(offset)  // conversion: OPJ_OFF_T (Int64), checked to be in 0...count above
            return 1
        }
        return stream
    }

    static func writing(into sink: Sink) throws(DicomError) -> OPJStream {
        guard let stream = opj_stream_create(1 << 16, 0) else {
            throw DicomError(.internalError, "OpenJPEG stream could not be created")
        }
        opj_stream_set_user_data(stream, Unmanaged.passRetained(sink).toOpaque()) { context in
            guard let context else { return }
            Unmanaged<Sink>.fromOpaque(context).release()
        }
        opj_stream_set_write_function(stream) { buffer, count, context in
            guard let buffer, let context else { return MemoryStream.endOfStream }
            let sink = Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue()
            let n = Int(count)  // conversion: OPJ_SIZE_T of a buffer OpenJPEG allocated while encoding
            let incoming = UnsafeRawBufferPointer(start: buffer, count: n)
            let end = sink.position + n
            if sink.position == sink.bytes.count {
                sink.bytes.append(contentsOf: incoming)  // the usual case: writing at the end
            } else {
                if end > sink.bytes.count { sink.bytes.append(contentsOf: repeatElement(0, count: end - sink.bytes.count)) }
                sink.bytes.replaceSubrange(sink.position..<end, with: incoming)
            }
            sink.position = end
            return OPJ_SIZE_T(n)
        }
        opj_stream_set_skip_function(stream) { distance, context in
            guard let context else { return -1 }
            let sink = Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue()
            let target = max(0, sink.position + Int(distance))  // conversion: OPJ_OFF_T is Int64; skips within what OpenJPEG writes
            if target > sink.bytes.count { sink.bytes.append(contentsOf: repeatElement(0, count: target - sink.bytes.count)) }
            let moved = target - sink.position
            sink.position = target
            return OPJ_OFF_T(moved)
        }
        opj_stream_set_seek_function(stream) { offset, context in
            guard let context else { return 0 }
            let sink = Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue()
            guard offset >= 0 else { return 0 }
            let target = Int(offset)  // conversion: OPJ_OFF_T is Int64 (same width as Int)
            if target > sink.bytes.count { sink.bytes.append(contentsOf: repeatElement(0, count: target - sink.bytes.count)) }
            sink.position = target
            return 1
        }
        return stream
    }
}
