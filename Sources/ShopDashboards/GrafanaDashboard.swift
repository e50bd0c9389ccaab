/// A Grafana dashboard as its JSON model (schema 39): panels laid out in rows of a 24-column grid, every
/// query on the `datasource` variable so the file imports into any Grafana with a Prometheus.
package struct GrafanaDashboard: Encodable, Sendable {
    package var uid: String
    package var title: String
    package var description: String
    package var tags: [String]
    package var panels: [Panel] = []
    var schemaVersion = 39
    var refresh = "30s"
    var time = ["from": "now-6h", "to": "now"]
    var templating = Templating()

    package struct Panel: Encodable, Sendable {
        var id: Int
        package var type: String
        package var title: String
        var description: String?
        var gridPos: GridPos
        var datasource: DataSource? = .variable
        package var targets: [Target]?
        var fieldConfig: FieldConfig?
        var collapsed: Bool?
    }

    struct GridPos: Encodable, Sendable {
        var x: Int, y: Int, w: Int, h: Int
    }

    package struct Target: Encodable, Sendable {
        var refId: String
        package var expr: String
        var legendFormat: String
        var datasource: DataSource = .variable
    }

    struct DataSource: Encodable, Sendable {
        var type: String
        var uid: String
        static let variable = DataSource(type: "prometheus", uid: "${datasource}")
    }

    struct FieldConfig: Encodable, Sendable {
        var defaults: Defaults
        var overrides: [String] = []
    }

    struct Defaults: Encodable, Sendable {
        var unit: String
        var min: Double?
        var max: Double?
    }

    struct Templating: Encodable, Sendable {
        var list = [Variable()]
    }

    struct Variable: Encodable, Sendable {
        var name = "datasource"
        var label = "Prometheus"
        var type = "datasource"
        var query = "prometheus"
    }

    package init(uid: String, title: String, description: String, tags: [String]) {
        self.uid = uid
        self.title = title
        self.description = description
        self.tags = tags
    }

    /// A query and the legend of its series.
    package struct Query: Sendable {
        var expr: String
        var legend: String

        package init(_ expr: String, legend: String = "") {
            self.expr = expr
            self.legend = legend
        }
    }

    private var cursor = (x: 0, y: 0, rowHeight: 0)

    /// Starts a row titled `title` below what is there.
    package mutating func row(_ title: String) {
        newLine()
        panels.append(
            Panel(
                id: panels.count + 1, type: "row", title: title, gridPos: GridPos(x: 0, y: cursor.y, w: 24, h: 1), datasource: nil, collapsed: false))
        cursor.y += 1
    }

    /// Adds a panel `width` columns wide after the last, wrapping at 24.
    package mutating func panel(
        _ title: String, type: String = "timeseries", unit: String = "short", width: Int = 8, height: Int = 8, description: String? = nil,
        min: Double? = nil, max: Double? = nil, _ queries: [Query]
    ) {
        if cursor.x + width > 24 { newLine() }
        panels.append(
            Panel(
                id: panels.count + 1, type: type, title: title, description: description,
                gridPos: GridPos(x: cursor.x, y: cursor.y, w: width, h: height),
                targets: queries.enumerated().map {
                    Target(refId: String(UnicodeScalar(UInt8(65 + $0.offset))), expr: $0.element.expr, legendFormat: $0.element.legend)
                },
                fieldConfig: FieldConfig(defaults: Defaults(unit: unit, min: min, max: max))))
        cursor.x += width
        cursor.rowHeight = Swift.max(cursor.rowHeight, height)
    }

    private mutating func newLine() {
        cursor.y += cursor.rowHeight
        cursor.x = 0
        cursor.rowHeight = 0
    }

    enum CodingKeys: String, CodingKey {
        case uid, title, description, tags, panels, schemaVersion, refresh, time, templating
    }
}
