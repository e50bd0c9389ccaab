import LoadReport
import SLOAdapters
import SLOMath
import SLOSpec
import Testing

/// `--abort-on`'s check, on the result `LoadResultSourceTests` builds: two hours of 1,000 orders a minute, every
/// one failing from minute 30 to 40; 20 a minute over 300 ms throughout (2%, twice the latency SLO's budget).
@Suite struct BurnRateCheckTests {
    /// The result as a live check sees it: the windows before `minutes`, ending there.
    static func partial(_ result: LoadResult, minutes: Int) -> LoadResult {
        var partial = result
        partial.windows = result.windows.filter { $0.index < minutes }
        partial.clocks.profileEndSeconds = Double(minutes) * 60
        return partial
    }

    @Test func aPageConditionIsReachedInTheOutagesFirstMinuteAndNotBefore() throws {
        let result = try LoadResultSourceTests.result()
        let orders = try LoadResultSourceTests.slos().filter { $0.name == "orders" }
        let check = BurnRateCheck(slos: orders, abortOn: .page)
        for minutes in 1...30 {
            #expect(check.reached(in: Self.partial(result, minutes: minutes), at: Double(minutes) * 60) == nil, "\(minutes) min")
        }
        let detail = try #require(check.reached(in: Self.partial(result, minutes: 31), at: 31 * 60))
        // The outage's first minute: 1,000 bad of 31,000 over the hour so far is 32× the 0.1% budget; all bad over 5 minutes of 5,000 is 200×.
        #expect(detail.hasPrefix("orders: its page condition held at 31m, burn 32.26× over the 31m so far (window 1h) and 200× over 5m"), "\(detail)")
        // Judged later, on more windows, it still names the first window at whose end a condition held.
        #expect(check.reached(in: result, at: 7_200)?.hasPrefix("orders: its page condition held at 31m") == true)
    }

    /// A 2% latency burn is twice the budget: below every page factor, above the 3-day ticket's 1×.
    @Test func aTicketStopsWhatAPageLetsRun() throws {
        let result = try LoadResultSourceTests.result()
        let latency = try LoadResultSourceTests.slos().filter { $0.name == "order-latency" }
        let partial = Self.partial(result, minutes: 20)
        #expect(BurnRateCheck(slos: latency, abortOn: .page).reached(in: partial, at: 1_200) == nil)
        let detail = try #require(BurnRateCheck(slos: latency, abortOn: .ticket).reached(in: partial, at: 1_200))
        #expect(detail.hasPrefix("order-latency: its ticket condition held at"), "\(detail)")
    }

    @Test func aRatioSLOIsNamedAsUnmeasuredAndNeverStopsARun() throws {
        let slos = try LoadResultSourceTests.slos()
        #expect(BurnRateCheck.unmeasured(slos) == ["payments"])
        let payments = BurnRateCheck(slos: slos.filter { $0.name == "payments" }, abortOn: .ticket)
        #expect(payments.reached(in: try LoadResultSourceTests.result(), at: 7_200) == nil)
    }
}
