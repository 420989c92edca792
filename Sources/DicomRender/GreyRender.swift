import DicomCodecs
import DicomCore

/// One grey frame through the `GreyPipeline` to an 8- or 16-bit picture. Up to 16 bits stored,
/// every possible stored value is mapped once into a table and the pixels are looked up in it;
/// wider values (32-bit) are mapped pixel by pixel.
enum GreyRender {
    static func render(_ frame: DecodedFrame, _ pipeline: GreyPipeline, bits: Int) throws(DicomError) -> (RenderedImage, GreyPipeline.ResolvedVOI) {
        let d = frame.description
        let n = d.rows * d.columns
        let maximum = (1 << bits) - 1
        var image = RenderedImage(columns: d.columns, rows: d.rows, channels: 1, bits: bits)
        let stored = StoredSamples(frame: frame)
        if d.bitsStored <= 16 && d.bitsAllocated <= 16 {
            let base = d.isSigned ? -(1 << (d.bitsStored - 1)) : 0
            let size = 1 << d.bitsStored
            var histogram = [Int](repeating: 0, count: size)
            var index = [Int32](repeating: 0, count: n)
            var i = 0
            histogram.withUnsafeMutableBufferPointer { h in
                index.withUnsafeMutableBufferPointer { ix in
                    stored.forEach { v in
                        let k = max(0, min(size - 1, v - base))
                        h[k] += 1
                        ix[i] = Int32(truncatingIfNeeded: k)
                        i += 1
                    }
                }
            }
            // Modality values of the stored values present, for min-max and percentiles.
            var present: [(value: Double, count: Int)] = []
            for k in 0..<size where histogram[k] > 0 { present.append((pipeline.modalityValue(base + k), histogram[k])) }
            let voi = try resolve(pipeline, present: present)
            var table = [UInt16](repeating: 0, count: size)
            for k in 0..<size { table[k] = UInt16(truncatingIfNeeded: pipeline.level(pipeline.modalityValue(base + k), voi, maximum: maximum)) }
            image.bytes.withUnsafeMutableBytes { out in
                table.withUnsafeBufferPointer { t in
                    index.withUnsafeBufferPointer { ix in
                        if bits == 8 {
                            for p in 0..<n { out[p] = UInt8(truncatingIfNeeded: t[Int(widening: ix[p])]) }
                        } else {
                            for p in 0..<n { out.storeBytes(of: t[Int(widening: ix[p])].littleEndian, toByteOffset: 2 * p, as: UInt16.self) }
                        }
                    }
                }
            }
            return (image, voi)
        }
        var values = [Double]()
        values.reserveCapacity(n)
        stored.forEach { values.append(pipeline.modalityValue($0)) }
        let voi = try resolve(pipeline, present: values.sorted().map { ($0, 1) })
        for p in 0..<min(n, values.count) {
            image.set(x: p % d.columns, y: p / d.columns, channel: 0, pipeline.level(values[p], voi, maximum: maximum))
        }
        return (image, voi)
    }

    /// The VOI of a frame whose modality values are `present` (value and how many pixels have it).
    private static func resolve(_ pipeline: GreyPipeline, present: [(value: Double, count: Int)]) throws(DicomError) -> GreyPipeline.ResolvedVOI {
        let sorted = present.sorted { $0.value < $1.value }
        let total = sorted.reduce(0) { $0 + $1.count }
        // The value at rank floor(p/100 * (N - 1)) of the sorted values (numpy's 'lower' percentile).
        func percentile(_ p: Double) -> Double {
            guard total > 0 else { return 0 }
            let rank = Int((p / 100 * Double(total - 1)).rounded(.down))  // conversion: p is within 0...100
            var seen = 0
            for entry in sorted {
                seen += entry.count
                if seen > rank { return entry.value }
            }
            return sorted.last?.value ?? 0
        }
        return try pipeline.resolve(minModality: sorted.first?.value ?? 0, maxModality: sorted.last?.value ?? 0,
                                    percentile: percentile)
    }
}
