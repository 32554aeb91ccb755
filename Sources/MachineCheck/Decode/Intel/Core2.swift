/// Front-side-bus details of bus errors on P6-family CPUs: the model-specific MCi_STATUS bits
/// 16-56 of family 06H bus errors (SDM vol. 3B, "Interpreting the MCA error codes"), as
/// upstream core2.c prints them (mcelog.md §17).
///
/// Used for bus/interconnect errors (MCACOD `0000 1PPT RRRR IILL`) on Core 2, Dunnington,
/// Nehalem and Xeon 7500 (`decodeBus`) and on the old P6 parts (`decodeP6OldBus`).
enum Core2 {
    /// Bus queue request type, status bits 19-23 (31-entry table: the field is 5 bits wide).
    /// Upstream's names, including the `BC_` spelling of entry 10.
    static let busQueueRequestTypes: [String?] = {
        var t = [String?](repeating: nil, count: 31)
        let named: [(Int, String)] = [
            (0, "BQ_DCU_READ_TYPE"), (2, "BQ_IFU_DEMAND_TYPE"), (3, "BQ_IFU_DEMAND_NC_TYPE"),
            (4, "BQ_DCU_RFO_TYPE"), (5, "BQ_DCU_RFO_LOCK_TYPE"), (6, "BQ_DCU_ITOM_TYPE"),
            (8, "BQ_DCU_WB_TYPE"), (10, "BC_DCU_WCEVICT_TYPE"), (11, "BQ_DCU_WCLINE_TYPE"),
            (12, "BQ_DCU_BTM_TYPE"), (13, "BQ_DCU_INTACK_TYPE"), (14, "BQ_DCU_INVALL2_TYPE"),
            (15, "BQ_DCU_FLUSHL2_TYPE"), (16, "BQ_DCU_PART_RD_TYPE"), (18, "BQ_DCU_PART_WR_TYPE"),
            (20, "BQ_DCU_SPEC_CYC_TYPE"), (24, "BQ_DCU_IO_RD_TYPE"), (25, "BQ_DCU_IO_WR_TYPE"),
            (28, "BQ_DCU_LOCK_RD_TYPE"), (29, "BQ_DCU_LOCK_WR_TYPE"), (30, "BQ_DCU_SPLOCK_RD_TYPE"),
        ]
        for (i, name) in named { t[i] = name }
        return t
    }()

    /// Bus queue error type, status bits 25-27.
    static let busQueueErrorTypes: [String?] = [
        "BQ_ERR_HARD_TYPE", "BQ_ERR_DOUBLE_TYPE", "BQ_ERR_AERR2_TYPE", nil,
        "BQ_ERR_SINGLE_TYPE", "BQ_ERR_AERR1_TYPE",
    ]

    /// Bits shared by all P6-family layouts.
    static let p6Shared: [BitField] = [
        .reserved(16, width: 3),
        BitField(19, busQueueRequestTypes),
        BitField(25, busQueueErrorTypes),
        // Upstream lists the error-type field twice, so its name prints twice (mcelog.md §24.4).
        BitField(25, busQueueErrorTypes),
        .flag(30, "internal BINIT"),
        .flag(36, "received parity error on response transaction"),
        .flag(38, "timeout BINIT (ROB timeout). No micro-instruction retired for some time"),
        .reserved(39, width: 3),
        .flag(42, "bus transaction received hard error response"),
        .flag(43, "failure that caused IERR"),
        // 44-46 are reserved for Core in the SDM; upstream names them anyway.
        .flag(44, "two failing bus transactions with address parity error (AERR)"),
        .flag(45, "uncorrectable ECC error"),
        .flag(46, "correctable ECC error"),
        // 47-54: ECC syndrome (a number, below).
        .reserved(55, width: 2),
    ]

    /// Bits 28-37 on Core 2 and later.
    static let core2Bits: [BitField] = [
        .flag(28, "MCE driven"),
        .flag(29, "MCE is observed"),
        .flag(31, "BINIT observed"),
        .reserved(32, width: 2),
        .flag(34, "PIC or FSB data parity error"),
        .reserved(35, width: 1),
        .flag(37, "FSB address parity error detected"),
    ]

    /// Bits 28-37 on Pentium Pro / II / III.
    static let p6OldBits: [BitField] = [
        .flag(28, "FRC error"),
        .flag(29, "BERR on this CPU"),
        .reserved(31, width: 1),
        .reserved(32, width: 3),
        .flag(35, "BINIT received from external bus"),
        .flag(37, "Received hard error response on split transaction (Bus BINIT)"),
    ]

    /// Normally reserved on Core 2, but printed whenever non-zero.
    static let eccSyndrome = [NumberField(47, 54, "ECC syndrome", radix: .hex)]

    static func decodeBus(_ ctx: inout DecodeContext) {
        decode(&ctx, modelBits: core2Bits)
    }

    static func decodeP6OldBus(_ ctx: inout DecodeContext) {
        decode(&ctx, modelBits: p6OldBits)
    }

    private static func decode(_ ctx: inout DecodeContext, modelBits: [BitField]) {
        ctx.out.bitfields(ctx.status, p6Shared)
        ctx.out.bitfields(ctx.status, modelBits)
        ctx.out.numberFields(ctx.status, eccSyndrome)
    }
}
