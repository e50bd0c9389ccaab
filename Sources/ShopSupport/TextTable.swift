/// Rows of cells as the terminal shows them: each column as wide as its widest cell, two spaces between,
/// numbers right-aligned and text (the columns in `leftAligned`) left-aligned; the last column is not padded
/// on the right, so no line ends in spaces it did not hold.
package enum TextTable {
    package static func lines(_ rows: [[String]], leftAligned: Set<Int>) -> [String] {
        let count = rows.map(\.count).max() ?? 0
        let widths = (0..<count).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                let fill = String(repeating: " ", count: widths[column] - cell.count)
                guard leftAligned.contains(column) else { return fill + cell }
                return column == count - 1 ? cell : cell + fill
            }.joined(separator: "  ")
        }
    }
}
