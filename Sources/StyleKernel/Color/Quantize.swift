/// Float 0…1 → integer samples, the one rule every host-facing writer uses (the C ABI and the
/// `stylize` command), so their outputs agree byte for byte. It matches ImageMagick Q16's own
/// path: ClampToQuantum(65535·v) to 16 bits, then ScaleQuantumToChar to 8 bits (round to nearest).
public enum Quantize {
    /// 16-bit sample (NaN → 0).
    @inline(__always) public static func sixteen(_ v: Float) -> UInt16 {
        let q = 65535.0 * Double(v)
        if !(q > 0) { return 0 }
        if q >= 65535 { return 65535 }
        return UInt16(q + 0.5)
    }

    /// 16-bit → 8-bit, rounding to nearest.
    @inline(__always) public static func eight(_ q: UInt16) -> UInt8 {
        let v = UInt32(q) + 128
        return UInt8((v - (v >> 8)) >> 8)
    }

    /// 8-bit sample of a float (via the 16-bit step, as above).
    @inline(__always) public static func eight(_ v: Float) -> UInt8 { eight(sixteen(v)) }
}
