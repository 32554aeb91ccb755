/// Ivy Bridge-EP/EX (Xeon E5/E7 v2) uncore banks: PCU 4, QPI 5, iMC 9-16 (SDM vol. 3B
/// tables 16-17 and 16-18; mcelog.md §17). Sandy Bridge's tables with a few more codes;
/// the PCU and iMC lines end with an empty line as on Sandy Bridge.
enum IvyBridge {
    /// MSCOD[31:24] of the PCU bank: Sandy Bridge's codes plus three.
    static let pcuCodes = SandyBridge.pcuCodes.merging([
        0x44: "MC_CRITICAL_VR_FAILED",
        0x45: "MC_ICC_MAX-NOTSUPPORTED",
        0x7B: "MC_PCIE_R2PCIE-RW_BLOCK_ACK_TIMEOUT",
    ]) { old, _ in old }
    static let pcu = [BitField(16, SandyBridge.pcuMicrocontroller),
                      BitField(24, XeonUncore.names(pcuCodes))]

    /// MSCOD bits of the iMC banks: Sandy Bridge's plus bits 23 and 24.
    static let memoryController = SandyBridge.memoryController + [
        .flag(23, "Corrected memory read error"),
        .flag(24, "iMC, WDB, parity errors"),
    ]

    static func decode(_ ctx: inout DecodeContext) {
        switch ctx.bank {
        case 4:
            ctx.out.write("PCU: ")
            ctx.out.bitfields(ctx.status, pcu)
            ctx.out.newline()
        case 5:
            // The MCACOD line already said what failed.
            ctx.facts.kind = .interconnect
            ctx.out.line("QPI")
        case 9...16:
            ctx.out.write("MemCtrl: ")
            ctx.out.bitfields(ctx.status, memoryController)
            ctx.out.newline()
            FailingRank.record(&ctx, imcLog: ctx.options.imcLog)
        default:
            break
        }
    }
}
