internal import COpenJPEGChild
import DicomCore
import Glibc

/// High-Throughput decoding in a child process: an OpenJPEG abort there is one frame's error.
extension JPEG2000Codec {
    /// Decodes a codestream with High-Throughput code-blocks in a child process (see
    /// Sources/COpenJPEGChild): OpenJPEG 2.5.0 asserts on some malformed HT code-block data, and an
    /// abort there must become this frame's error, not the end of dicomtool. A fork per frame
    /// costs well under a millisecond next to decoding it.
    func decodeInChildProcess(_ codestream: [UInt8], description: PixelDescription,
                                      threads: Int) throws(DicomError) -> DecodedFrame {
        guard (1...4).contains(description.samplesPerPixel) else {
            throw DicomError(.unsupported, "JPEG 2000 decoding of \(description.samplesPerPixel) samples per pixel")
        }
        var result = openjpeg_child_result()
        codestream.withUnsafeBufferPointer { bytes in
            // conversion: rows, columns <= 65535 (PixelModule)
            openjpeg_child_decode(bytes.baseAddress, bytes.count, UInt32(description.columns), UInt32(description.rows),
                                  // conversion: samples 1...4 (checked above); threads a processor count
                                  UInt32(description.samplesPerPixel), Int32(threads), &result)
        }
        defer { openjpeg_child_release(&result) }
        let report = result.report
        let messages = withUnsafeBytes(of: report.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        let cause = messages.isEmpty ? "no message from OpenJPEG" : messages
        switch openjpeg_child_status(UInt32(bitPattern: report.status)) {
        case OPENJPEG_CHILD_DECODED:
            break
        case OPENJPEG_CHILD_REFUSED:
            throw DicomError(.decodeFailed, "JPEG 2000 (High-Throughput) decoding failed", cause: cause)
        case OPENJPEG_CHILD_KILLED:
            let how = report.signal_number == SIGABRT ? "aborted (an assertion failed)"
                : report.signal_number != 0 ? "was killed by signal \(report.signal_number)"
                : report.error_number > 0 ? "exited with status \(report.error_number)"
                : "ended without a result (how is unknown: SIGCHLD is ignored)"
            throw DicomError(.decodeFailed, "JPEG 2000 (High-Throughput) decoding failed: OpenJPEG, decoding in a "
                             + "child process, \(how) on this codestream", cause: cause)
        default:
            throw DicomError(.internalError, "the JPEG 2000 decoding process could not be started (errno \(report.error_number))")
        }
        let declaredColumns = Int(widening: report.image_width), declaredRows = Int(widening: report.image_height)
        guard declaredColumns == description.columns, declaredRows == description.rows,
              Int(widening: report.component_count) == description.samplesPerPixel else {
            throw DicomError(.decodeFailed, "JPEG 2000 codestream is \(declaredColumns)x\(declaredRows) with "
                             + "\(report.component_count) components, the header says \(description.columns)x\(description.rows) "
                             + "(Columns x Rows) with \(description.samplesPerPixel) (SamplesPerPixel)")
        }
        let planes = withUnsafeBytes(of: report.components) { raw in
            let components = raw.bindMemory(to: openjpeg_child_component.self)
            return withUnsafeBytes(of: result.planes) { rawPlanes in
                let pointers = rawPlanes.bindMemory(to: UnsafePointer<Int32>?.self)
                return (0..<description.samplesPerPixel).map { c in
                    let component = components[c]
                    return ComponentPlane(width: Int(widening: component.width), height: Int(widening: component.height),
                                          dx: Int(widening: component.dx), dy: Int(widening: component.dy), precision: Int(widening: component.precision),
                                          samples: component.has_samples != 0 ? pointers[c] : nil)
                }
            }
        }
        return try frame(from: planes, description: description)
    }
}
