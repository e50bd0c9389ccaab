import Foundation

/// What the run report and the capacity report share: the style sheet, and text made safe for HTML.
enum HTMLText {
    static let style = """
        body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
        h1{font-size:20px}h2{font-size:16px;margin-top:28px}
        table{border-collapse:collapse;font-variant-numeric:tabular-nums}td,th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right}
        td:first-child,th:first-child{text-align:left}.pass{color:#1a7f37}.fail{color:#cf222e;font-weight:bold}
        .legend span{display:inline-block;margin-right:14px}.swatch{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px}
        svg{background:#fff;border:1px solid #ddd}
        """

    /// An axis label: `1.5k`, `42`, `0.5`.
    static func label(_ value: Double) -> String {
        if value >= 1_000 {
            let thousands = value / 1_000
            return thousands == thousands.rounded() ? String(format: "%.0fk", thousands) : String(format: "%.1fk", thousands)
        }
        return value >= 10 ? String(format: "%.0f", value) : String(format: "%.1f", value)
    }

    /// A coordinate, to a tenth of a pixel.
    static func number(_ value: Double) -> String { String(format: "%.1f", value) }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
