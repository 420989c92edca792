import DicomCore
import FoundationEssentials

/// The keys of `get --query FILE`: find's JSON Lines (`match` records carrying a PS3.18 data set)
/// or one PS3.18 array. Each data set gives its unique keys (Patient ID, Study, Series and SOP
/// Instance UIDs, those with a value) and its Query/Retrieve Level.
public enum QueryInput {
    public struct Entry: Sendable {
        public var level: QueryLevel?
        public var keys: [QueryKey]

        public init(level: QueryLevel?, keys: [QueryKey]) {
            self.level = level
            self.keys = keys
        }
    }

    /// The attributes of a PS3.18 data set that are read: only their string values.
    struct Attribute: Decodable {
        var values: [String]

        enum CodingKeys: String, CodingKey { case value = "Value" }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            values = (try? c.decodeIfPresent([String].self, forKey: .value)) ?? []
        }
    }

    struct Record: Decodable {
        var type: String?
        var dataset: [String: Attribute]?
    }

    static let unique: [Tag] = [.patientID, .studyInstanceUID, .seriesInstanceUID, .sopInstanceUID]

    /// The entries of `bytes`, in order. Errors name the line (JSON Lines) or the array.
    public static func entries(_ bytes: [UInt8], name: String) throws(DicomError) -> [Entry] {
        let text = String(decoding: bytes, as: UTF8.self)
        let trimmed = text.drop { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }
        var datasets: [[String: Attribute]] = []
        if trimmed.hasPrefix("[") {
            do {
                datasets = try JSONDecoder().decode([[String: Attribute]].self, from: Data(trimmed.utf8))
            } catch {
                throw DicomError(.invalidInput, "not a PS3.18 JSON array: \(error)", file: name)
            }
        } else {
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                guard !line.allSatisfy({ $0 == " " || $0 == "\r" }) else { continue }
                let record: Record
                do {
                    record = try JSONDecoder().decode(Record.self, from: Data(line.utf8))
                } catch {
                    throw DicomError(.invalidInput, "line \(number + 1) is not a JSON record: \(error)", file: name)
                }
                if let dataset = record.dataset, record.type == nil || record.type == "match" { datasets.append(dataset) }
            }
        }
        return datasets.map { ds in
            let level = ds[Tag.queryRetrieveLevel.compactHex]?.values.first.flatMap { QueryLevel(value: $0) }
            let keys = unique.compactMap { tag -> QueryKey? in
                guard let value = ds[tag.compactHex]?.values.first?.trimmingWhitespace(), !value.isEmpty else { return nil }
                return QueryKey(tag, value: value)
            }
            return Entry(level: level, keys: keys)
        }
    }
}
