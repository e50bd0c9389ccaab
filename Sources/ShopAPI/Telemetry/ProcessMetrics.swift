import Foundation
import Prometheus
import ShopContract
import ShopMetrics
import Synchronization

/// The standard process series (CPU, resident memory, open descriptors, start time) and `shop_api_build_info`,
/// read from /proc when scraped. Hand-written: swift-prometheus has no process collector and swift-metrics
/// no longer ships one.
final class ProcessMetrics: Sendable {
    static let version = "0.1.0"

    private let cpu: Counter
    private let cpuCounted = Mutex<Double>(0)
    private let residentMemory: Gauge
    private let openDescriptors: Gauge
    private let startTime: Gauge

    init(registry: PrometheusCollectorRegistry, commit: String) {
        cpu = registry.makeCounter(descriptor: MetricNames.processCPU.descriptor)
        residentMemory = registry.makeGauge(descriptor: MetricNames.processResidentMemory.descriptor)
        openDescriptors = registry.makeGauge(descriptor: MetricNames.processOpenFDs.descriptor)
        startTime = registry.makeGauge(descriptor: MetricNames.processStartTime.descriptor)
        registry.makeGauge(descriptor: MetricNames.buildInfo.descriptor, labels: [("version", Self.version), ("commit", commit)]).set(1.0)
        if let started = Self.startTimeSeconds() { startTime.set(started) }
    }

    /// Reads the current figures; called before each exposition.
    func update() {
        if let seconds = Self.cpuSeconds() {
            let delta = cpuCounted.withLock { counted -> Double in
                let delta = max(0, seconds - counted)
                counted += delta
                return delta
            }
            if delta > 0 { cpu.increment(by: delta) }
        }
        if let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
            let pages = statm.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
        {
            residentMemory.set(pages * Double(sysconf(Int32(_SC_PAGESIZE))))
        }
        if let descriptors = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            openDescriptors.set(Double(descriptors.count))
        }
    }

    /// Fields of /proc/self/stat after the command name (which may hold spaces): index 0 is field 3.
    private static func statFields() -> [Substring]? {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(after: close)...].split(separator: " ")
    }

    private static var ticksPerSecond: Double { Double(sysconf(Int32(_SC_CLK_TCK))) }

    static func cpuSeconds() -> Double? {
        guard let fields = statFields(), fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / ticksPerSecond
    }

    static func startTimeSeconds() -> Double? {
        guard let fields = statFields(), fields.count > 19, let sinceBoot = Double(fields[19]),
            let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let bootLine = stat.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }),
            let boot = Double(bootLine.dropFirst("btime ".count))
        else { return nil }
        return boot + sinceBoot / ticksPerSecond
    }
}
