extension Duration {
    /// The duration in seconds, as a Double (for elapsed times and estimates of the time left).
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
