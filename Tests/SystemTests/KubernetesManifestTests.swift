import AsyncHTTPClient
import Foundation
import LoadReport
import NIOCore
import NIOHTTP1
import ShopAPI
import ShopAPITestSupport
import ShopContract
import ShopTestSupport
import Testing

/// The manifests in `deploy/` against what the programs really serve and take: every probe path, port
/// and monitored endpoint is asked of the real executable started with the manifest's own settings, every
/// variable is one the program reads, and the stop fits in the grace period.
@Suite("Kubernetes manifests")
struct KubernetesManifestTests {
    let base: Manifests

    init() throws {
        base = try Manifests([
            "deploy/base/shop-api.yaml", "deploy/base/shop-api-service.yaml", "deploy/base/shop-api-servicemonitor.yaml", "deploy/base/alerter.yaml",
        ])
    }

    /// An HTTP GET's status and body.
    static func get(_ url: String) async throws -> (Int, String) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 4 << 20)
        return (Int(response.status.code), String(buffer: body))
    }

    @Test func shopAPIsProbesAndMonitorNameWhatTheServerServesOnThosePorts() async throws {
        let deployment = try base.one("Deployment", "shop-api")
        let container = deployment["spec"]["template"]["spec"]["containers"].named("shop-api")
        let environment = Manifests.environment(container)
        let apiPort = try #require(environment["SHOP_PORT"].flatMap(Int.init))
        let metricsPort = try #require(environment["SHOP_METRICS_PORT"].flatMap(Int.init))
        #expect(Manifests.port(ManifestNode(value: "http"), in: container) == apiPort)
        #expect(Manifests.port(ManifestNode(value: "metrics"), in: container) == metricsPort)
        #expect(container["command"].strings.suffix(1) == ["serve"])

        // The Service passes both ports on by name, selects the pods, and the monitor scrapes the metrics one.
        let service = try base.one("Service", "shop-api")
        let podLabels = deployment["spec"]["template"]["metadata"]["labels"].labels
        #expect(service["spec"]["selector"].labels.allSatisfy { podLabels[$0.key] == $0.value })
        let monitor = try base.one("ServiceMonitor", "shop-api")
        #expect(monitor["spec"]["selector"]["matchLabels"].labels.allSatisfy { service["metadata"]["labels"].labels[$0.key] == $0.value })
        let endpoint = monitor["spec"]["endpoints"][0]
        let servicePort = service["spec"]["ports"].named(try #require(endpoint["port"].string))
        #expect(Manifests.port(servicePort["targetPort"], in: container) == metricsPort)
        #expect(endpoint["path"].string == APIRoute.metrics.template)
        #expect(Manifests.port(service["spec"]["ports"].named("http")["targetPort"], in: container) == apiPort)

        // Every variable is one `shop-api serve` reads (its help names each).
        let (_, wrapped) = try await TestTools.run(ShopAPIProcess.executable, ["serve", "--help"])
        let help = wrapped.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for name in environment.keys { #expect(help.contains("env \(name)") || help.contains(name + ";"), "\(name) is not read by shop-api serve") }

        // The real server with the manifest's settings: the secrets and ports are the test's, the thread
        // count the CPU limit the manifest passes.
        let cpuLimit = try #require(container["resources"]["limits"]["cpu"].string)
        let freeMetricsPort = try TestTools.freePort()
        try await withTemporaryDirectory { directory in
            var settings = environment.filter { !$0.value.hasPrefix("secret:") && $0.key != "SHOP_PORT" }
            settings["SHOP_METRICS_PORT"] = "\(freeMetricsPort)"
            settings["SHOP_DATA_DIR"] = directory
            settings["SHOP_THREADS"] = cpuLimit
            settings["SHOP_DEMO_CATALOG"] = "5"
            let api = try await ShopAPIProcess([], environment: settings)
            let ports = [apiPort: api.port, metricsPort: freeMetricsPort]
            /// The URL of `path` on the test's port for the one a manifest names.
            func url(_ port: ManifestNode, _ path: String) throws -> String {
                let declared = try #require(Manifests.port(port, in: container))
                return "http://127.0.0.1:\(try #require(ports[declared], "port \(declared) is none of the server's"))" + path
            }
            do {
                for probe in ["startupProbe", "livenessProbe", "readinessProbe"] {
                    let get = container[probe]["httpGet"]
                    let path = try #require(get["path"].string, "\(probe) has no path")
                    #expect([APIRoute.health.template, APIRoute.readiness.template].contains(path))
                    let (status, _) = try await Self.get(try url(get["port"], path))
                    #expect(status == 200, "\(probe) \(path)")
                }
                #expect(
                    container["readinessProbe"]["httpGet"]["path"].string == APIRoute.readiness.template, "readiness is /readyz, which SIGTERM fails")
                let (status, body) = try await Self.get(try url(servicePort["targetPort"], endpoint["path"].string ?? ""))
                #expect(status == 200 && body.contains("http_server_request_duration_seconds"))
                let (publicStatus, _) = try await Self.get(api.baseURL + APIRoute.metrics.template)
                #expect(publicStatus == 404, "the metrics port keeps /metrics off the public one")
            } catch {
                await api.stop()
                throw error
            }
            #expect(await api.stop() == 0)
        }
    }

    /// preStop's sleep, then shop-api's own bounded stop, then the PostgreSQL pool's 3 s, within the grace period.
    @Test func aStopFitsInTheGracePeriod() throws {
        let pod = try base.one("Deployment", "shop-api")["spec"]["template"]["spec"]
        let container = pod["containers"].named("shop-api")
        let grace = try #require(pod["terminationGracePeriodSeconds"].int)
        let sleep = container["lifecycle"]["preStop"]["exec"]["command"].strings
        let preStop = try #require(sleep.count == 2 && sleep[0].hasSuffix("sleep") ? Int(sleep[1]) : nil, "\(sleep)")
        let delay = try #require(Manifests.environment(container)["SHOP_SHUTDOWN_DELAY"].flatMap(Double.init))
        let limit = Double(AppConfiguration.shutdownLimit.components.seconds)
        #expect(delay < limit, "the unready delay is part of the shutdown limit")
        #expect(Double(preStop) + limit + 3 < Double(grace), "preStop \(preStop) s + shutdown \(limit) s + pool 3 s within \(grace) s")
        #expect(preStop >= 2, "long enough for endpoints to drop the pod")
    }

    /// Every replica the autoscaler may start holds its pool of PostgreSQL connections.
    @Test func theReplicasConnectionsFitPostgreSQLsDefaultLimit() throws {
        let autoscaler = try Manifests(["deploy/base/shop-api-autoscaler.yaml"]).one("HorizontalPodAutoscaler", "shop-api")
        #expect(autoscaler["spec"]["scaleTargetRef"]["name"].string == "shop-api")
        let replicas = try #require(autoscaler["spec"]["maxReplicas"].int)
        let container = try base.one("Deployment", "shop-api")["spec"]["template"]["spec"]["containers"].named("shop-api")
        let pool = try #require(Manifests.environment(container)["SHOP_DB_POOL_SIZE"].flatMap(Int.init))
        #expect(replicas * pool < 100, "\(replicas) replicas × \(pool) connections under max_connections = 100")
        #expect(try #require(autoscaler["spec"]["minReplicas"].int) <= replicas)
    }

    @Test func theAlertersProbeAndMonitorNameWhatItServes() async throws {
        let deployment = try base.one("Deployment", "shop-slo-alerter")
        let container = deployment["spec"]["template"]["spec"]["containers"].named("alerter")
        var arguments = Array(container["command"].strings.dropFirst())
        #expect(arguments.first == "alert")
        let portIndex = try #require(arguments.firstIndex(of: "--port"))
        let declared = try #require(Int(arguments[portIndex + 1]))
        #expect(Manifests.port(container["livenessProbe"]["httpGet"]["port"], in: container) == declared)
        let monitor = try base.one("ServiceMonitor", "shop-slo-alerter")["spec"]["endpoints"][0]
        let service = try base.one("Service", "shop-slo-alerter")
        #expect(Manifests.port(service["spec"]["ports"].named(monitor["port"].string ?? "")["targetPort"], in: container) == declared)
        // The specs folder is the ConfigMap made from slos/; Prometheus and Alertmanager are not needed to serve.
        let mount = container["volumeMounts"].named("slos")["mountPath"].string
        arguments = arguments.map { $0 == mount ? TestTools.packageRoot + "/slos" : $0.hasPrefix("$(") ? "http://127.0.0.1:9" : $0 }
        let port = try TestTools.freePort()
        arguments[portIndex + 1] = "\(port)"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ".build/debug/shop-slo")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try await TestTools.whileRunning(process) {
            var answered = false
            for _ in 0..<100 where !answered {
                answered = (try? await Self.get("http://127.0.0.1:\(port)" + (container["livenessProbe"]["httpGet"]["path"].string ?? "")))?.0 == 200
                if !answered { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(answered, "the liveness probe's path")
            let (status, body) = try await Self.get("http://127.0.0.1:\(port)" + (monitor["path"].string ?? ""))
            #expect(status == 200 && body.contains("shop_slo_evaluations_total{"), "the monitor's path: \(body)")
        }
    }
}

/// The sharded rehearsal's Jobs as written: each pod's command, its `$(VARIABLES)` filled in as Kubernetes
/// fills them, run against a real shop-api for a minute of the profile, then the merge Job's command over
/// what they wrote.
@Suite("Kubernetes load Jobs")
struct KubernetesLoadJobTests {
    @Test func theShardsCommandsRunAndTheMergeJobAddsThemUp() async throws {
        let jobs = try Manifests(["deploy/load/shards.yaml", "deploy/load/merge/merge.yaml", "deploy/load/results.yaml"])
        let job = try jobs.one("Job", "shop-load")
        let pod = job["spec"]["template"]["spec"]
        let container = pod["containers"].named("shop-load")
        let environment = Manifests.environment(container)
        let shards = try #require(environment["SHARDS"].flatMap(Int.init))
        #expect(job["spec"]["completionMode"].string == "Indexed")
        #expect(job["spec"]["completions"].int == shards && job["spec"]["parallelism"].int == shards, "one pod per shard, all at once")
        let claim = try jobs.one("PersistentVolumeClaim", "shop-load-results")["metadata"]["name"].string
        let merge = try jobs.one("Job", "shop-load-merge")["spec"]["template"]["spec"]
        for spec in [pod, merge] { #expect(spec["volumes"].named("results")["persistentVolumeClaim"]["claimName"].string == claim) }
        let mount = try #require(container["volumeMounts"].named("results")["mountPath"].string)
        #expect(merge["containers"][0]["volumeMounts"].named("results")["mountPath"].string == mount)

        let api = try await ShopAPIProcess(["--demo-catalog", "20", "--rate-limits", "off"])
        do {
            try await withTemporaryDirectory { results in
                for index in 0..<shards {
                    var values = environment
                    values["JOB_COMPLETION_INDEX"] = "\(index)"
                    values["TARGET"] = api.baseURL
                    // A debug server on a shared machine, not a cluster's replicas: the same commands at a lower rate.
                    values["PEAK_RPS"] = "100"
                    let command = container["command"].strings.map { argument in
                        values.reduce(argument) { $0.replacingOccurrences(of: "$(\($1.key))", with: $1.value) }
                            .replacingOccurrences(of: mount, with: results)
                    }
                    #expect(!command.contains { $0.contains("$(") }, "every variable is the container's: \(command)")
                    var arguments = Array(command.dropFirst()) + ["--until", "60s"]
                    if let port = arguments.firstIndex(of: "--metrics-port") { arguments[port + 1] = "0" }
                    let (status, output) = try await TestTools.run(
                        ".build/debug/shop-load", arguments, environment: ["SHOP_JWT_SECRET": ShopAPIProcess.secret])
                    #expect(status == 0, "shard \(index): \(output)")
                }
                // The merge Job's shell command, over the folder the shards wrote.
                let script = try #require(merge["containers"][0]["command"].strings.last)
                    .replacingOccurrences(of: mount, with: results).replacingOccurrences(of: "/opt/shop/bin/", with: ".build/debug/")
                let (status, output) = try await TestTools.run("/bin/sh", ["-c", script])
                #expect(status == 0, "\(output)")
                let merged = try ResultFile.read(results + "/merged.json")
                #expect(merged.shards.map(\.description) == (0..<shards).map { "\($0)/\(shards)" })
                #expect(merged.profile.seed == environment["SEED"].flatMap(UInt64.init))
                #expect(merged.profile.name == environment["PROFILE"])
            }
        } catch {
            await api.stop()
            throw error
        }
        await api.stop()
    }
}
