import Foundation
import Testing

@testable import ShopTracing

@Suite("Tracer: OTEL_* configuration")
struct TracingConfigurationTests {
    func configuration(_ environment: [String: String]) throws -> TracingConfiguration {
        try TracingConfiguration(serviceName: "shop-api", environment: environment)
    }

    @Test func nothingSetPropagatesOnlyWithTheSpecificationsDefaults() throws {
        let plain = try configuration([:])
        #expect(plain.endpoint == nil && plain.sampler == .default && plain.serviceName == "shop-api")
        #expect(plain.maxQueueSize == 2048 && plain.maxExportBatchSize == 512 && plain.scheduleDelay == .seconds(5))
        #expect(plain.exportTimeout == .seconds(10) && plain.batchTimeout == .seconds(30) && plain.warnings.isEmpty)
    }

    @Test(arguments: [
        (["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"], "http://collector:4318/v1/traces"),
        (["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/"], "http://collector:4318/v1/traces"),
        (["OTEL_EXPORTER_OTLP_ENDPOINT": "https://otlp.example.com/otlp"], "https://otlp.example.com/otlp/v1/traces"),
        (["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/custom/path"], "http://collector:4318/custom/path"),
        (
            ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:4318", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://b:4318/v1/traces"],
            "http://b:4318/v1/traces"
        ),
        (["OTEL_EXPORTER_OTLP_ENDPOINT": "http://[::1]:4318"], "http://[::1]:4318/v1/traces"),
    ])
    func theEndpointIsTheSignalsOwnOrTheSharedOneWithItsPath(environment: [String: String], expected: String) throws {
        #expect(try configuration(environment).endpoint?.absoluteString == expected)
    }

    @Test func exportingCanBeTurnedOffWithoutRemovingTheEndpoint() throws {
        #expect(try configuration(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "true"]).endpoint == nil)
        #expect(try configuration(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_EXPORTER": "none"]).endpoint == nil)
        #expect(try configuration(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "false"]).endpoint != nil)
    }

    @Test func headersAndResourceAttributesArePercentDecodedPairs() throws {
        let parsed = try configuration([
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318",
            "OTEL_EXPORTER_OTLP_HEADERS": "Authorization=Basic%20dXNlcjpwYXNz, x-tenant = shop ,X-Scope=a%2Cb",
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS": "x-tenant=traces",
            "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=prod,service.name=from-attributes,k8s.pod.name=api-7f%3D1",
        ])
        #expect(parsed.headers.map { "\($0.key)=\($0.value)" } == ["Authorization=Basic dXNlcjpwYXNz", "X-Scope=a,b", "x-tenant=traces"])
        #expect(parsed.serviceName == "from-attributes")
        #expect(parsed.resource.contains(.init(key: "k8s.pod.name", value: "api-7f=1")))
        let named = try configuration(["OTEL_RESOURCE_ATTRIBUTES": "service.name=a", "OTEL_SERVICE_NAME": "b"])
        #expect(named.serviceName == "b" && named.resource.filter { $0.key == "service.name" }.count == 1)
    }

    @Test func samplersByName() throws {
        #expect(try configuration(["OTEL_TRACES_SAMPLER": "always_on"]).sampler == Sampler(root: .always, followsParent: false))
        #expect(try configuration(["OTEL_TRACES_SAMPLER": "always_off"]).sampler == Sampler(root: .never, followsParent: false))
        #expect(try configuration(["OTEL_TRACES_SAMPLER": "parentbased_always_off"]).sampler == Sampler(root: .never, followsParent: true))
        #expect(
            try configuration(["OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.25"]).sampler
                == Sampler(root: .ratio(0.25), followsParent: false))
        #expect(
            try configuration(["OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0"]).sampler
                == Sampler(root: .ratio(0), followsParent: true))
        // The specification's default argument for a ratio sampler is 1.
        #expect(try configuration(["OTEL_TRACES_SAMPLER": "traceidratio"]).sampler == Sampler(root: .ratio(1), followsParent: false))
    }

    @Test(arguments: [
        ["OTEL_TRACES_SAMPLER": "sometimes"], ["OTEL_TRACES_SAMPLER": "jaeger_remote"],
        ["OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "1.5"],
        ["OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "half"],
        ["OTEL_BSP_MAX_QUEUE_SIZE": "0"], ["OTEL_BSP_MAX_QUEUE_SIZE": "many"], ["OTEL_BSP_SCHEDULE_DELAY": "-1"],
        ["OTEL_BSP_SCHEDULE_DELAY": "0"],
        ["OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "4096"], ["OTEL_BSP_EXPORT_TIMEOUT": "0"], ["OTEL_EXPORTER_OTLP_TIMEOUT": "10s"],
        ["OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"], ["OTEL_EXPORTER_OTLP_ENDPOINT": "ftp://collector"],
        ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://"],
        ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"],
        ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json"],
        ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_EXPORTER": "zipkin"],
        ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_EXPORTER_OTLP_HEADERS": "novalue"],
        ["OTEL_RESOURCE_ATTRIBUTES": "=v"], ["OTEL_RESOURCE_ATTRIBUTES": "k=%zz"],
    ])
    func invalidSettingsAreRefusedNamingTheVariable(environment: [String: String]) throws {
        let error = try #require(throws: TracingConfigurationError.self) { try configuration(environment) }
        #expect(environment.keys.contains { error.description.hasPrefix($0 + "=") || error.description.contains($0) }, "\(error)")
        #expect(!error.description.contains("\n"))
    }

    @Test func validSettingsThisExporterDoesNotActOnAreNamedAsWarnings() throws {
        let parsed = try configuration([
            "OTEL_EXPORTER_OTLP_ENDPOINT": "https://c:4318", "OTEL_EXPORTER_OTLP_COMPRESSION": "gzip",
            "OTEL_EXPORTER_OTLP_CERTIFICATE": "/etc/ca.pem",
        ])
        #expect(parsed.endpoint != nil && parsed.warnings.count == 2)
        #expect(parsed.warnings.contains { $0.hasPrefix("OTEL_EXPORTER_OTLP_COMPRESSION=gzip") })
        #expect(try configuration(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_EXPORTER_OTLP_COMPRESSION": "none"]).warnings.isEmpty)
        // Empty values count as unset, as the specification says.
        #expect(try configuration(["OTEL_TRACES_SAMPLER": "", "OTEL_BSP_MAX_QUEUE_SIZE": " "]).sampler == .default)
    }
}

@Suite("Tracer: sampling")
struct SamplerTests {
    @Test(arguments: [0.0, 0.001, 0.1, 0.25, 0.5, 0.9, 1.0])
    func aRatioKeepsThatShareOfNewTraces(ratio: Double) {
        let sampler = Sampler(root: .ratio(ratio), followsParent: true)
        let traces = 200_000
        let kept = (0..<traces).filter { _ in sampler.samples(parent: nil, traceLow: ShopTracer.nextID()) }.count
        // Binomial: within five standard deviations, plus rounding.
        let tolerance = 5 * (Double(traces) * ratio * (1 - ratio)).squareRoot() + 1
        #expect(abs(Double(kept) - Double(traces) * ratio) <= tolerance, "kept \(kept) of \(traces) at \(ratio)")
    }

    @Test func theSameTraceIsKeptOrDroppedAlikeEverywhere() {
        let low = ShopTracer.nextID()
        let decisions = Set((0..<100).map { _ in Sampler(root: .ratio(0.5), followsParent: false).samples(parent: nil, traceLow: low) })
        #expect(decisions.count == 1)
        // A smaller ratio keeps a subset of what a larger one keeps.
        let lows = (0..<10_000).map { _ in ShopTracer.nextID() }
        let small = Set(lows.filter { Sampler(root: .ratio(0.1), followsParent: false).samples(parent: nil, traceLow: $0) })
        let large = Set(lows.filter { Sampler(root: .ratio(0.3), followsParent: false).samples(parent: nil, traceLow: $0) })
        #expect(small.isSubset(of: large) && !small.isEmpty)
    }

    @Test func aParentsDecisionIsFollowedOnlyWhenAskedTo() throws {
        let sampled = try #require(TraceParent(header: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
        let unsampled = try #require(TraceParent(header: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"))
        #expect(Sampler(root: .never, followsParent: true).samples(parent: sampled, traceLow: 1))
        #expect(!Sampler(root: .always, followsParent: true).samples(parent: unsampled, traceLow: 1))
        #expect(Sampler(root: .always, followsParent: false).samples(parent: unsampled, traceLow: 1))
        #expect(!Sampler(root: .never, followsParent: false).samples(parent: sampled, traceLow: 1))
    }
}
