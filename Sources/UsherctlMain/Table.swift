// systemctl's list tables: columns padded to their widest cell and separated
// by one space, the last column unpadded, an optional header row. Widths count
// what is visible, so a coloured cell pads like a plain one.

struct Table {
    var header: [String]?
    var rows: [[String]]

    func render() -> [String] {
        let all = (header.map { [$0] } ?? []) + rows
        guard let columns = all.map(\.count).max() else { return [] }
        var widths = [Int](repeating: 0, count: columns)
        for row in all {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], Self.visibleWidth(cell)) }
        }
        return all.map { row in
            let padded = row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - Self.visibleWidth(cell))
            }
            let line = padded.joined(separator: " ")
            return String(line.reversed().drop(while: { $0 == " " }).reversed())
        }
    }

    /// Characters a terminal shows: ANSI escape sequences take no room.
    static func visibleWidth(_ text: String) -> Int {
        var width = 0, inEscape = false
        for character in text {
            if inEscape {
                if character == "m" { inEscape = false }
            } else if character == "\u{1B}" {
                inEscape = true
            } else {
                width += 1
            }
        }
        return width
    }
}
