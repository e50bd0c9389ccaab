import AsyncHTTPClient
import Foundation
import LoadProfile
import NIOCore
import NIOHTTP1
import ShopContract
import ShopDomain
import ShopSupport
import Synchronization

/// The profile's fault schedule, set on the service's switchboard on the run's wall clock.
extension LoadRun {
    /// Sets the switchboard at each step's profile time, on the wall clock of this run.
    func applyFaults(from start: NIODeadline, log: @Sendable (String) -> Void) async {
        let configuration = configuration
        for step in configuration.profile.faults where step.at <= configuration.end {
            let due = start + .nanoseconds(Int64(step.at / configuration.speed * 1e9))
            let wait = due - NIODeadline.now()
            if wait > .zero { try? await Task.sleep(for: .nanoseconds(wait.nanoseconds)) }
            if Task.isCancelled || stopped.withLock({ $0 }) { return }
            guard configuration.adminToken != nil else {
                log("fault schedule skipped at \(DurationText.text(step.at)): no admin token (give --jwt-secret)")
                continue
            }
            await setFaults(step.faults, log: { log("faults at \(DurationText.text(step.at)) (profile time)\($0)") })
        }
    }

    private func setFaults(_ faults: Faults, log: @Sendable (String) -> Void) async {
        guard let token = configuration.adminToken else { return }
        var request = HTTPClientRequest(url: configuration.baseURL + APIRoute.setFaults.path())
        request.method = .PUT
        request.headers.add(name: "Authorization", value: "Bearer " + token)
        request.headers.add(name: "Content-Type", value: "application/json")
        let body = (try? JSONEncoder().encode(FaultsBody(faults))) ?? Data("{}".utf8)
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
            faultsSet.withLock { $0 = faults != Faults() }
            log(": HTTP \(response.status.code) \(String(decoding: body, as: UTF8.self))")
        } catch {
            log(" not applied: \(error)")
        }
    }

    /// A run stopped early (Ctrl-C or a check) with faults still injected leaves the service as it found it.
    func clearFaultsLeftSet(log: @Sendable (String) -> Void) async {
        guard faultsSet.withLock({ $0 }) else { return }
        await setFaults(Faults(), log: { log("faults cleared, the run having stopped with some set\($0)") })
    }
}
