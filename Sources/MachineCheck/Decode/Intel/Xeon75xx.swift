/// Xeon 7500 (Nehalem-EX) model-specific bits: only the core's internal error 0x0001, which
/// is laid out as on Nehalem. (Upstream once decoded a memory-error aux format that never
/// reached mainline kernels; nothing of it remains.)
enum Xeon75xx {
    static func decode(_ ctx: inout DecodeContext) {
        if ctx.mcacod == 0x0001 { Nehalem.decodeInternal(&ctx) }
    }
}
