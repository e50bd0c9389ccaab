import Foundation

/// Which traces are recorded, as `OTEL_TRACES_SAMPLER` names them. A span that is not recorded still
/// gets its own id and is propagated (with the sampled flag clear), so logs and downstream services keep
/// the trace.
package struct Sampler: Sendable, Equatable {
    package enum Root: Sendable, Equatable {
        case always, never
        /// A share of traces, chosen by the trace id's low 64 bits so every service sampling at the same
        /// ratio keeps the same traces.
        case ratio(Double)
    }

    package var root: Root
    /// Follow a remote or local parent's sampled flag, and use `root` only for traces that start here.
    package var followsParent: Bool

    package init(root: Root, followsParent: Bool) {
        self.root = root
        self.followsParent = followsParent
    }

    /// The specification's default: `parentbased_always_on`.
    package static let `default` = Sampler(root: .always, followsParent: true)

    package func samples(parent: TraceParent?, traceLow: UInt64) -> Bool {
        if followsParent, let parent { return parent.isSampled }
        switch root {
        case .always: return true
        case .never: return false
        case .ratio(let ratio):
            guard ratio < 1 else { return true }
            return traceLow < UInt64(ratio * 18_446_744_073_709_551_616.0)  // ratio × 2⁶⁴
        }
    }

    /// `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG`; a `jaeger_remote` or `xray` sampler cannot be
    /// built here and is refused by name.
    init(name: String?, argument: String?) throws(TracingConfigurationError) {
        let name = name?.lowercased() ?? "parentbased_always_on"
        func ratio() throws(TracingConfigurationError) -> Double {
            guard let argument else { return 1 }
            guard let value = Double(argument.trimmingCharacters(in: .whitespaces)), (0...1).contains(value) else {
                throw .invalid("OTEL_TRACES_SAMPLER_ARG", argument, "a ratio from 0 to 1")
            }
            return value
        }
        switch name {
        case "always_on": self.init(root: .always, followsParent: false)
        case "always_off": self.init(root: .never, followsParent: false)
        case "traceidratio": self.init(root: .ratio(try ratio()), followsParent: false)
        case "parentbased_always_on": self.init(root: .always, followsParent: true)
        case "parentbased_always_off": self.init(root: .never, followsParent: true)
        case "parentbased_traceidratio": self.init(root: .ratio(try ratio()), followsParent: true)
        default:
            throw .invalid(
                "OTEL_TRACES_SAMPLER", name,
                "always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off or parentbased_traceidratio")
        }
    }
}
