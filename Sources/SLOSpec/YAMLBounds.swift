import CYaml

/// Bounds on a spec file before Yams builds its tree: how many nodes it holds once every alias is
/// expanded. Yams shares an alias's node rather than copying it, but hashes mapping keys to find
/// duplicates, so a 500-byte file whose key is an alias of nine nested aliases (9⁹ nodes) keeps a core
/// busy for minutes; nothing in Yams bounds it. This walks libyaml's events (Yams's own parser, which
/// it builds as the CYaml module) and counts each alias at the size of what it names, stopping at the
/// bound. Nesting depth is libyaml's (1,000 levels); size is `SLOSpecs.maximumBytes`.
enum YAMLBounds {
    /// Nodes a spec may expand to: a thousand SLOs of a hundred nodes each.
    static let maximumNodes = 100_000

    /// Nil when `text` stays within the bound (or is not valid YAML, which Yams then reports), else why not.
    static func excess(_ text: String) -> String? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { buffer -> String? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            // Per open collection: its anchor and its size so far; and the expanded size of the whole.
            var open: [(anchor: String?, size: Int)] = [(nil, 0)]
            var sizes: [String: Int] = [:]
            var total = 0
            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
                defer { yaml_event_delete(&event) }
                var closed: (anchor: String?, size: Int)?
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return nil
                case YAML_SCALAR_EVENT:
                    closed = (name(event.data.scalar.anchor), 1)
                case YAML_SEQUENCE_START_EVENT:
                    open.append((name(event.data.sequence_start.anchor), 1))
                case YAML_MAPPING_START_EVENT:
                    open.append((name(event.data.mapping_start.anchor), 1))
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    closed = open.count > 1 ? open.removeLast() : nil
                case YAML_ALIAS_EVENT:
                    closed = (nil, name(event.data.alias.anchor).flatMap { sizes[$0] } ?? 1)
                default:
                    continue
                }
                if event.type == YAML_SEQUENCE_START_EVENT || event.type == YAML_MAPPING_START_EVENT { total += 1 }
                guard let (anchor, size) = closed else { continue }
                if let anchor { sizes[anchor] = size }
                open[open.count - 1].size += size
                // A closed collection's nodes were counted as they came; a scalar or an alias adds its own.
                if event.type == YAML_SCALAR_EVENT || event.type == YAML_ALIAS_EVENT { total += size }
                if total > maximumNodes {
                    return "expands to more than \(maximumNodes) nodes (through aliases, or simply too many); split it into smaller files"
                }
            }
        }
    }

    private static func name(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }
}
