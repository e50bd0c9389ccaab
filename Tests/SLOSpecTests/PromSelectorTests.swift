import SLOSpec
import Testing

@Suite struct PromSelectorTests {
    @Test func parsesAndWritesBack() throws {
        let selector = try PromSelector(parsing: #" shop_payments_total{outcome=~"captured|declined", route != "a\"b", x!~"y"} "#)
        #expect(selector.metric == "shop_payments_total")
        #expect(
            selector.matchers == [.init("outcome", .matches, "captured|declined"), .init("route", .notEqual, "a\"b"), .init("x", .notMatches, "y")])
        #expect(selector.description == #"shop_payments_total{outcome=~"captured|declined",route!="a\"b",x!~"y"}"#)
        #expect(try PromSelector(parsing: selector.description) == selector)
        #expect(try PromSelector(parsing: "up").description == "up")
    }

    @Test(arguments: ["{a=\"b\"}", "rate(x[5m])", "x{a=b}", "x{a==\"b\"}", "x{a=\"b}", "9lives"])
    func rejects(_ text: String) {
        #expect(throws: PromSelector.ParseError.self) { try PromSelector(parsing: text) }
    }

    @Test func selectsSeriesByItsMatchers() throws {
        let selector = try PromSelector(parsing: #"m{outcome=~"captured|declined",route!="x"}"#)
        #expect(selector.selects(metric: "m", labels: ["outcome": "captured"]))
        #expect(!selector.selects(metric: "m", labels: ["outcome": "error"]))
        #expect(!selector.selects(metric: "m", labels: ["outcome": "captured", "route": "x"]))
        #expect(!selector.selects(metric: "other", labels: ["outcome": "captured"]))
    }

    /// A route template's braces are escaped in the regex of several routes, and the `le` label is the
    /// service's spelling of the bound.
    @Test func routesBecomeRequestDurationSelectors() {
        let routes = HTTPRoutes(method: "GET", templates: ["/v1/products", "/v1/products/{sku}"])
        let query = Indicator.latency(routes, threshold: 0.1).query
        #expect(
            query.totalRate("5m")
                == #"sum(rate(http_server_request_duration_seconds_count{http_request_method="GET",http_route=~"/v1/products|/v1/products/\\{sku\\}"}[5m]))"#
        )
        guard case .good(let good) = query.numerator else { Issue.record("latency counts good requests"); return }
        #expect(good.matchers.last == .init("le", .equal, "0.1"))
    }
}
