/// Broadwell-EP/EX (Xeon E5/E7 v4): Haswell-EP's bank layout and channel map (SDM vol. 3B
/// tables 16-20, 16-21, 16-26; mcelog.md §17), plus mirror-corrected errors in the home
/// agents.
enum BroadwellEPEX {
    /// The iMC bits: Haswell-EP's without bit 23 ("Corrected memory read error"), which
    /// the Broadwell table leaves out, so a set bit 23 prints nothing.
    static let memoryController = Haswell.memoryController.filter { $0.start != 23 }

    static func decode(_ ctx: inout DecodeContext) {
        // PCU and QPI codes are the same as Haswell-EP's.
        Haswell.decodeBanks(&ctx, pcu: Haswell.pcu, qpi: Haswell.qpi,
                            memoryController: memoryController)
    }

    /// Home-agent banks 7/8 with MISCV: MISC bit 41 = corrected by failing over to the
    /// mirror channel, bit 42 = corrected from the mirror and the primary scrubbed.
    static func mirrorCorrection(_ ctx: DecodeContext) -> String? {
        XeonUncore.mirrorCorrection(ctx, failoverBit: 41, scrubbedBit: 42)
    }
}
