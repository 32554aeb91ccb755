enum MCELogVersion {
    static let string = "0.1.0 (swift)"
}
