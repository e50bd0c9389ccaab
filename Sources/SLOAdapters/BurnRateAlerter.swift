import Foundation
import Logging
import SLOMath
import SLOSpec
import ServiceLifecycle

/// `shop-slo alert`: every interval, evaluates each SLO's burn-rate conditions against Prometheus (the
/// expressions the generated rules record) and posts what changed to Alertmanager. A firing alert is
/// posted once when it starts and again every `resendInterval` with the same `startsAt` (Alertmanager
/// keeps one alert, and lets it lapse at `endsAt` if the alerter dies); a resolved one once, with `endsAt`
/// now. When Prometheus or Alertmanager cannot be reached it logs, counts, keeps its state and tries again
/// next round: an outage neither resolves nor duplicates an alert.
package actor BurnRateAlerter: Service {
    package struct Settings: Sendable {
        package var interval: Duration
        package var resendInterval: Duration

        package init(interval: Duration = .seconds(30), resendInterval: Duration = .seconds(60)) {
            self.interval = interval
            self.resendInterval = resendInterval
        }
    }

    let slos: [ServiceLevelObjective]
    let source: PrometheusSource
    let alertmanager: AlertmanagerAPI
    let settings: Settings
    let logger: Logger
    package nonisolated let metrics: AlerterMetrics

    struct Key: Hashable {
        var slo: String
        var severity: String
    }

    struct Active {
        var startsAt: Date
        var lastSent: Date?
        var burnRate: Double
    }

    private var active: [Key: Active] = [:]
    /// Resolutions Alertmanager has not taken yet.
    private var unsentResolutions: [Key: AlertmanagerAPI.Alert] = [:]

    package init(
        slos: [ServiceLevelObjective], source: PrometheusSource, alertmanager: AlertmanagerAPI, settings: Settings, logger: Logger,
        metrics: AlerterMetrics
    ) {
        self.slos = slos
        self.source = source
        self.alertmanager = alertmanager
        self.settings = settings
        self.logger = logger
        self.metrics = metrics
    }

    package func run() async throws {
        logger.info(
            "alerter started",
            metadata: [
                "slos": "\(slos.count)", "prometheus": "\(source.api.baseURL)", "alertmanager": "\(alertmanager.baseURL)",
                "interval": "\(settings.interval)",
            ])
        // SIGTERM stops it at once, mid-sleep or mid-round, rather than after the interval.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.evaluate(now: Date())
                try await Task.sleep(for: self.settings.interval)
            }
        }
        logger.info("alerter stopped")
    }

    /// One round: evaluate every SLO, then post what Alertmanager has to hear.
    package func evaluate(now: Date) async {
        var outgoing: [(Key, AlertmanagerAPI.Alert)] = []
        let resend = Double(settings.resendInterval.components.seconds)
        for slo in slos {
            let report: BudgetReport
            do {
                report = try await source.report(slo, now: now)
                metrics.evaluated(slo.name, ok: true)
            } catch {
                metrics.evaluated(slo.name, ok: false)
                logger.warning(
                    "cannot evaluate SLO; alerts stay as they are until Prometheus answers", metadata: ["slo": "\(slo.name)", "error": "\(error)"])
                continue
            }
            metrics.record(report)
            for severity in [BurnRateAlert.Severity.page, .ticket] {
                let key = Key(slo: slo.name, severity: severity.rawValue)
                if let firing = report.firing.first(where: { $0.severity == severity.rawValue }) {
                    var alert = active[key] ?? Active(startsAt: now, lastSent: nil, burnRate: firing.burnRate)
                    if active[key] == nil {
                        logger.notice(
                            "alert firing", metadata: ["slo": "\(slo.name)", "severity": "\(severity.rawValue)", "burn_rate": "\(firing.burnRate)"])
                        unsentResolutions[key] = nil
                    }
                    alert.burnRate = firing.burnRate
                    active[key] = alert
                    if alert.lastSent.map({ now.timeIntervalSince($0) >= resend }) ?? true {
                        outgoing.append(
                            (
                                key,
                                message(
                                    slo, severity, alert,
                                    endsAt: now.addingTimeInterval(4 * max(resend, Double(settings.interval.components.seconds))))
                            ))
                    }
                } else if let ended = active.removeValue(forKey: key) {
                    logger.notice("alert resolved", metadata: ["slo": "\(slo.name)", "severity": "\(severity.rawValue)"])
                    unsentResolutions[key] = message(slo, severity, ended, endsAt: now)
                }
                metrics.active(slo.name, severity.rawValue, active[key] != nil)
            }
        }
        let resolutions = unsentResolutions
        let batch = outgoing.map(\.1) + resolutions.values
        guard !batch.isEmpty else { return }
        do {
            try await alertmanager.post(batch)
            metrics.notified(ok: true, alerts: batch.count)
            for (key, _) in outgoing { active[key]?.lastSent = now }
            for key in resolutions.keys { unsentResolutions[key] = nil }
            logger.info("notified Alertmanager", metadata: ["firing": "\(outgoing.count)", "resolved": "\(resolutions.count)"])
        } catch {
            metrics.notified(ok: false, alerts: batch.count)
            logger.warning("cannot notify Alertmanager; trying again next round", metadata: ["error": "\(error)", "alerts": "\(batch.count)"])
        }
    }

    func message(_ slo: ServiceLevelObjective, _ severity: BurnRateAlert.Severity, _ alert: Active, endsAt: Date) -> AlertmanagerAPI.Alert {
        let expression = PrometheusRules.alertExpression(slo, severity)
        let encoded = expression.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        return AlertmanagerAPI.Alert(
            labels: ["alertname": slo.alertName, "severity": severity.rawValue, "slo": slo.name, "service": slo.service],
            annotations: Dictionary(uniqueKeysWithValues: PrometheusRules.annotations(slo, severity, burnRate: alert.burnRate)),
            startsAt: AlertmanagerAPI.timestamp(alert.startsAt), endsAt: AlertmanagerAPI.timestamp(endsAt),
            generatorURL: source.api.baseURL + "/graph?g0.expr=" + encoded + "&g0.tab=1")
    }
}
