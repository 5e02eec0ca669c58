/// Memory sizes as people write them: `1536M`, `1.5G`, `800000K`, or plain bytes; K, M and G are
/// binary (KiB, MiB, GiB), as in `ulimit` and ImageMagick's `-limit`.
public enum ByteSize {
    public static func parse(_ text: String) -> Int? {
        var digits = Substring(text)
        var unit = 1.0
        if let last = digits.last?.uppercased(), let shift = ["K": 10, "M": 20, "G": 30, "T": 40][last] {
            unit = Double(1 << shift)
            digits = digits.dropLast()
            if digits.last == "i" { return nil }  // "1.5Gi": not accepted, say it plainly
        } else if digits.last == "B" || digits.last == "b" {
            return nil
        }
        guard let value = Double(digits), value.isFinite, value > 0 else { return nil }
        let bytes = value * unit
        guard bytes < Double(Int.max / 2) else { return nil }
        return Int(bytes.rounded())
    }

    /// "1.5G", "1536M", "512K" or bytes: the shortest exact form.
    public static func format(_ bytes: Int) -> String {
        for (suffix, shift) in [("G", 30), ("M", 20), ("K", 10)] {
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
