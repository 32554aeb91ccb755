/// Records that upstream's device mode drops as known noise unless `--no-filter`.
public enum DeviceFilter {
    /// K8 northbridge GART errors (uncorrected, extended code 5): harmless, logged by AGP/IOMMU code.
    public static func isBogus(_ record: MachineCheckRecord, cpuType: CPUType) -> Bool {
        cpuType == .k8 && AMDK8.isGARTError(record)
    }
}
