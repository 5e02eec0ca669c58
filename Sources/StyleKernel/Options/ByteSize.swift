/// Memory sizes as people write them: `1536M`, `1.5G`, `800000K`, or plain bytes; K, M and G are
/// binary (KiB, MiB, GiB), as in `ulimit` and ImageMagick's `-limit`. Exactly these forms: a
/// plain decimal number (`OptionText.isDecimal`, no sign or exponent), then nothing or one of
/// the upper-case units K, M, G (not `T`, `k`, `GiB`, `1.5Gi`, ` 1G`).
public enum ByteSize {
    /// The units and their shifts, largest first (`format` writes them, `parse` reads them).
    static let units: [(suffix: Character, shift: Int)] = [("G", 30), ("M", 20), ("K", 10)]

    public static func parse(_ text: String) -> Int? {
        var digits = Substring(text)
        var unit = 1.0
        if let last = digits.last, let shift = units.first(where: { $0.suffix == last })?.shift {
            unit = Double(1 << shift)
            digits = digits.dropLast()
        }
        guard OptionText.isDecimal(digits, signed: false, exponent: false),
            let value = Double(digits), value.isFinite, value > 0
        else { return nil }
        let bytes = value * unit
        guard bytes < Double(Int.max / 2) else { return nil }
        return Int(bytes.rounded())
    }

    /// "1.5G", "1536M", "512K" or bytes: the shortest exact form.
    public static func format(_ bytes: Int) -> String {
        for (suffix, shift) in units {
            let unit = 1 << shift
            if bytes >= unit {
                let value = Double(bytes) / Double(unit)
                if value == value.rounded() { return "\(Int(value))\(suffix)" }
                if (value * 10) == (value * 10).rounded() { return "\((value * 10).rounded() / 10)\(suffix)" }
            }
        }
        return "\(bytes)"
    }
}
