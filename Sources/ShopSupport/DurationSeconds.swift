extension Duration {
    /// The duration in seconds, for metrics and rates.
    package var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
