/// AMD Scalable MCA (families 17h, 19h, 1Ah; Hygon 18h) decoding in rasdaemon's words.
///
/// Upstream mcelog refuses these CPUs; operators coming from rasdaemon (v0.8.x,
/// mce-amd-smca.c / mce-amd.c) should recognise every string, so bank names, extended-error
/// descriptions and status phrases are rasdaemon's, verbatim (the Linux kernel's
/// drivers/edac/mce_amd.c carries the same tables).
///
/// Output layout (between the header lines and the STATUS line, one item per line):
///
///     SMCA bank type: <bank type name> (HWID 0x<hwid> McaType 0x<mcatype>)
///     <extended error description>. Ext Err Code: <xec>
///     <error status, e.g. "Corrected error, no action required.">
///     <status flags, one per line: MCE_INVALID, Error_overflow, Processor_context_corrupt,
///      CECC or UECC, Poison consumed, Task_context_corrupt>
///     MCA: <error code class, e.g. "Memory Error 'mem-tx: generic read, tx: generic, level: L3/generic'">
///     memory_channel=<n>,csrow=<m>          (UMC DRAM ECC errors; or memory_die_id=<n>)
///
/// - An unknown HWID/McaType prints `SMCA bank type: unknown (HWID ..)` followed by
///   rasdaemon's `Couldn't find bank type with IPID` instead of the description.
/// - An extended error code beyond the bank type's table prints `Ext Err Code: <xec>` alone
///   (rasdaemon prints nothing there; the code is still worth seeing).
/// - A record without MCA_IPID (ipid 0, or a record too short to carry it) prints nothing:
///   upstream prints only the header and STATUS lines for such a record, and we stay
///   byte-identical there.
public enum AMDSMCA {

    // MARK: - MCA_IPID fields (AMD PPR, MCA_IPID register)

    /// HardwareID, IPID bits 43:32.
    static func hardwareID(_ ipid: UInt64) -> UInt32 { UInt32(bits(ipid, 32, 43)) }
    /// McaType, IPID bits 63:48.
    static func mcaType(_ ipid: UInt64) -> UInt32 { UInt32(bits(ipid, 48, 63)) }
    /// InstanceIdHi, IPID bits 47:44 (the AMD node die on heterogeneous systems).
    static func instanceIDHigh(_ ipid: UInt64) -> UInt32 { UInt32(bits(ipid, 44, 47)) }
    /// InstanceIdLo, IPID bits 31:0.
    static func instanceIDLow(_ ipid: UInt64) -> UInt32 { UInt32(bits(ipid, 0, 31)) }

    /// Lookup key: HWID in the upper half, McaType in the lower (rasdaemon's HWID_MCATYPE).
    static func key(hwid: UInt32, mcaType: UInt32) -> UInt32 { (hwid << 16) | mcaType }

    /// On heterogeneous CPU+GPU systems the non-CPU nodes are numbered from 8; an unlisted
    /// bank on such a node is a UMC v2 (HBM) bank.
    static let nonCPUNodeIndex: UInt32 = 8

    /// Status bits that mean something else (or only something) on SMCA.
    enum SMCAStatus {
        static let tcc: UInt64 = 1 << 55       // task context corrupt
        static let cecc: UInt64 = 1 << 46      // corrected ECC
        static let uecc: UInt64 = 1 << 45      // uncorrected ECC
        static let deferred: UInt64 = 1 << 44  // deferred error
        static let poison: UInt64 = 1 << 43    // poison consumed
    }

    // MARK: - Bank types

    /// The bank types rasdaemon knows (its `enum smca_bank_types`, less the never-matched
    /// RESERVED slot).
    enum BankType: CaseIterable, Sendable {
        case loadStore, loadStoreV2, instructionFetch, l2Cache, decode, execution, floatingPoint
        case l3Cache, coherentSlave, coherentSlaveV2, coherentSlaveV2Quirk, pie
        case umc, umcQuirk, umcV2, memoryAttachedLLC, parameterBlock
        case psp, pspV2, smu, smuV2, mp5, mpdma, nbio, pcie, pcieV2, xgmiPCS, nbif, shub
        case sata, usb, usrDataPlane, usrControlPlane, gmiPCS, xgmiPHY, waflPHY, gmiPHY

        var name: String {
            switch self {
            case .loadStore, .loadStoreV2: return "Load Store Unit"
            case .instructionFetch: return "Instruction Fetch Unit"
            case .l2Cache: return "L2 Cache"
            case .decode: return "Decode Unit"
            case .execution: return "Execution Unit"
            case .floatingPoint: return "Floating Point Unit"
            case .l3Cache: return "L3 Cache"
            case .coherentSlave, .coherentSlaveV2, .coherentSlaveV2Quirk: return "Coherent Slave"
            case .pie: return "Power, Interrupts, etc."
            case .umc, .umcQuirk: return "Unified Memory Controller"
            case .umcV2: return "Unified Memory Controller V2"
            case .memoryAttachedLLC: return "Memory Attached Last Level Cache"
            case .parameterBlock: return "Parameter Block"
            case .psp, .pspV2: return "Platform Security Processor"
            case .smu, .smuV2: return "System Management Unit"
            case .mp5: return "Microprocessor 5 Unit"
            case .mpdma: return "MPDMA Unit"
            case .nbio: return "Northbridge IO Unit"
            case .pcie, .pcieV2: return "PCI Express Unit"
            case .xgmiPCS: return "Ext Global Memory Interconnect PCS Unit"
            case .nbif: return "NBIF Unit"
            case .shub: return "System Hub Unit"
            case .sata: return "SATA Unit"
            case .usb: return "USB Unit"
            case .usrDataPlane: return "Ultra Short Reach Data Plane Controller"
            case .usrControlPlane: return "Ultra Short Reach Control Plane Controller"
            case .gmiPCS: return "Global Memory Interconnect PCS Unit"
            case .xgmiPHY: return "Ext Global Memory Interconnect PHY Unit"
            case .waflPHY: return "WAFL PHY Unit"
            case .gmiPHY: return "Global Memory Interconnect PHY Unit"
            }
        }

        /// Extended error code descriptions, indexed by XEC.
        var descriptions: [String] {
            switch self {
            case .loadStore: return Descriptions.ls
            case .loadStoreV2: return Descriptions.ls2
            case .instructionFetch: return Descriptions.instructionFetch
            case .l2Cache: return Descriptions.l2
            case .decode: return Descriptions.decode
            case .execution: return Descriptions.execution
            case .floatingPoint: return Descriptions.floatingPoint
            case .l3Cache: return Descriptions.l3
            case .coherentSlave: return Descriptions.cs
            case .coherentSlaveV2: return Descriptions.cs2
            case .coherentSlaveV2Quirk: return Descriptions.cs2Quirk
            case .pie: return Descriptions.pie
            case .umc: return Descriptions.umc
            case .umcQuirk: return Descriptions.umcQuirk
            case .umcV2: return Descriptions.umc2
            case .memoryAttachedLLC: return Descriptions.mall
            case .parameterBlock: return Descriptions.pb
            case .psp: return Descriptions.psp
            case .pspV2: return Descriptions.psp2
            case .smu: return Descriptions.smu
            case .smuV2: return Descriptions.smu2
            case .mp5: return Descriptions.mp5
            case .mpdma: return Descriptions.mpdma
            case .nbio: return Descriptions.nbio
            case .pcie: return Descriptions.pcie
            case .pcieV2: return Descriptions.pcie2
            case .xgmiPCS: return Descriptions.xgmiPCS
            // NBIF and SHUB share their descriptions, as do all the PHY types.
            case .nbif, .shub: return Descriptions.nbif
            case .sata: return Descriptions.sata
            case .usb: return Descriptions.usb
            case .usrDataPlane: return Descriptions.usrDP
            case .usrControlPlane: return Descriptions.usrCP
            case .gmiPCS: return Descriptions.gmiPCS
            case .xgmiPHY, .waflPHY, .gmiPHY: return Descriptions.xgmiPHY
            }
        }

        /// What part of the machine this bank covers.
        var kind: ErrorKind {
            switch self {
            case .umc, .umcQuirk, .umcV2: return .memory
            case .l2Cache, .l3Cache, .memoryAttachedLLC: return .cache
            case .coherentSlave, .coherentSlaveV2, .coherentSlaveV2Quirk, .pie,
                 .xgmiPCS, .gmiPCS, .xgmiPHY, .waflPHY, .gmiPHY,
                 .usrDataPlane, .usrControlPlane:
                return .interconnect
            case .nbio, .pcie, .pcieV2, .nbif, .shub, .sata, .usb: return .io
            default: return .internal
            }
        }

        var isUMC: Bool { self == .umc || self == .umcQuirk || self == .umcV2 }
    }

    /// HWID/McaType pairs and their bank types (rasdaemon's `smca_hwid_mcatypes`). The two
    /// quirk entries use otherwise unused keys that `erratumKey` maps the real IPIDs to.
    static let bankTypes: [UInt32: BankType] = {
        var t: [UInt32: BankType] = [:]
        func add(_ hwid: UInt32, _ mcaType: UInt32, _ type: BankType) {
            t[key(hwid: hwid, mcaType: mcaType)] = type
        }
        // Zen core (HWID 0xB0); McaType 4 is reserved.
        add(0xB0, 0x0, .loadStore)
        add(0xB0, 0x10, .loadStoreV2)
        add(0xB0, 0x1, .instructionFetch)
        add(0xB0, 0x2, .l2Cache)
        add(0xB0, 0x3, .decode)
        add(0xB0, 0x5, .execution)
        add(0xB0, 0x6, .floatingPoint)
        add(0xB0, 0x7, .l3Cache)
        // Data Fabric.
        add(0x2E, 0x0, .coherentSlave)
        add(0x2E, 0x1, .pie)
        add(0x2E, 0x2, .coherentSlaveV2)
        add(0x0, 0x1, .coherentSlaveV2Quirk)
        add(0x2E, 0x4, .memoryAttachedLLC)
        // Unified Memory Controller.
        add(0x96, 0x0, .umc)
        add(0x0, 0x2, .umcQuirk)
        add(0x96, 0x1, .umcV2)
        add(0x05, 0x0, .parameterBlock)
        add(0xFF, 0x0, .psp)
        add(0xFF, 0x1, .pspV2)
        add(0x01, 0x0, .smu)
        add(0x01, 0x1, .smuV2)
        add(0x01, 0x2, .mp5)
        add(0x01, 0x3, .mpdma)
        add(0x18, 0x0, .nbio)
        add(0x46, 0x0, .pcie)
        add(0x46, 0x1, .pcieV2)
        add(0x50, 0x0, .xgmiPCS)
        add(0x6C, 0x0, .nbif)
        add(0x80, 0x0, .shub)
        add(0xA8, 0x0, .sata)
        add(0xAA, 0x0, .usb)
        add(0x170, 0x0, .usrDataPlane)
        add(0x180, 0x0, .usrControlPlane)
        add(0x241, 0x0, .gmiPCS)
        add(0x259, 0x0, .xgmiPHY)
        add(0x267, 0x0, .waflPHY)
        add(0x269, 0x0, .gmiPHY)
        return t
    }()

    /// Family/model errata that change a bank's extended error codes:
    /// - Genoa-class parts (19h models 10h-1Fh, 60h-7Bh, A0h-AFh; 1Ah models 40h-4Fh),
    ///   erratum 1384: the CS bank's codes are reassigned (CS V2 quirk table).
    /// - 19h models 90h-9Fh (MI300): the UMC bank reports HBM codes (UMC quirk table).
    static func erratumKey(_ key: UInt32, family: UInt32, model: UInt32) -> UInt32 {
        let csV2 = AMDSMCA.key(hwid: 0x2E, mcaType: 0x2)
        let umc = AMDSMCA.key(hwid: 0x96, mcaType: 0x0)
        switch (family, model) {
        case (0x19, 0x10...0x1F), (0x19, 0x60...0x7B), (0x19, 0xA0...0xAF), (0x1A, 0x40...0x4F):
            if key == csV2 { return AMDSMCA.key(hwid: 0x0, mcaType: 0x1) }
        case (0x19, 0x90...0x9F):
            if key == umc { return AMDSMCA.key(hwid: 0x0, mcaType: 0x2) }
        default: break
        }
        return key
    }

    /// The bank type an IPID names, for a CPU of `family`/`model` (nil: unknown).
    static func lookup(ipid: UInt64, family: UInt32, model: UInt32) -> BankType? {
        let k = erratumKey(key(hwid: hardwareID(ipid), mcaType: mcaType(ipid)),
                           family: family, model: model)
        if let t = bankTypes[k] { return t }
        if instanceIDHigh(ipid) >= nonCPUNodeIndex { return .umcV2 }
        return nil
    }

    /// The bank type name an MCA_IPID value names (nil: no IPID or unknown type). Names do
    /// not depend on the family errata, so no CPU identity is needed.
    public static func bankType(ipid: UInt64) -> String? {
        guard ipid != 0 else { return nil }
        return lookup(ipid: ipid, family: 0, model: 0)?.name
    }

    // MARK: - Decode

    /// Family and model as AMD counts them: the extended fields apply whenever the base
    /// family is 0xF (CPUIdentity keeps upstream's narrower model rule for output).
    static func familyModel(cpuid: UInt32) -> (family: UInt32, model: UInt32) {
        let base = (cpuid >> 8) & 0xf
        var model = (cpuid >> 4) & 0xf
        guard base == 0xf else { return (base, model) }
        model |= ((cpuid >> 16) & 0xf) << 4
        return (base + ((cpuid >> 20) & 0xff), model)
    }

    static func decode(_ ctx: inout DecodeContext) {
        let r = ctx.record
        // Facts hold even when nothing prints: the severity follows from the status alone.
        ctx.facts.severity = severity(status: r.status)
        guard r.carries(fieldAt: RecordOffset.ipid), r.ipid != 0 else { return }
        let ipid = r.ipid
        let (family, model) = familyModel(cpuid: r.cpuid)
        let xec = Int(bits(r.status, 16, 21))
        let hwid = hardwareID(ipid), type = mcaType(ipid)

        let bankType = lookup(ipid: ipid, family: family, model: model)
        ctx.out.write("SMCA bank type: ")
        ctx.out.write(bankType?.name ?? "unknown")
        ctx.out.write(" (HWID 0x"); ctx.out.hex(hwid)
        ctx.out.write(" McaType 0x"); ctx.out.hex(type); ctx.out.write(")")
        ctx.out.newline()

        var location: String? = nil
        if let bankType {
            ctx.facts.bankType = bankType.name
            ctx.facts.kind = bankType.kind
            let table = bankType.descriptions
            if xec < table.count {
                ctx.out.write(table[xec]); ctx.out.write(". ")
            }
            ctx.out.write("Ext Err Code: "); ctx.out.decimal(xec); ctx.out.newline()
            if bankType.isUMC && xec == 0 {
                ctx.facts.isMemoryError = true
                location = memoryLocation(&ctx, bankType: bankType, family: family, model: model)
            }
        } else {
            ctx.facts.kind = .unknown
            ctx.out.line("Couldn't find bank type with IPID")
        }

        decodeStatus(&ctx)
        if let location { ctx.out.line(location) }
    }

    /// The DRAM location of a UMC ECC error, as rasdaemon derives it (and records it in
    /// the facts): the channel is InstanceIdLo >> 20 (the UMC instance), the chip
    /// select is MCA_SYND bits 2:0. On HBM (UMC V2) banks the UMC instance / 2 is the PHY,
    /// reported as the chip select, and the HBM channel is IPID bits 15:12 (+4 on odd UMCs).
    /// MI300 UMC banks name only the memory die (InstanceIdHi / 4).
    static func memoryLocation(_ ctx: inout DecodeContext, bankType: BankType,
                               family: UInt32, model: UInt32) -> String {
        let ipid = ctx.record.ipid
        let umcInstance = Int(instanceIDLow(ipid) >> 20)
        let channel: Int, csrow: Int
        if bankType == .umcV2 {
            let hbm = Int(bits(ipid, 12, 15))
            channel = umcInstance % 2 == 1 ? hbm + 4 : hbm
            csrow = umcInstance / 2
        } else if family == 0x19 && (0x90...0x9F).contains(model) {
            return "memory_die_id=" + Format.decimal(instanceIDHigh(ipid) / 4)
        } else {
            channel = umcInstance
            csrow = Int(ctx.record.synd & 0x7)
        }
        ctx.facts.channel = channel
        ctx.facts.dimm = csrow
        return "memory_channel=" + Format.decimal(channel) + ",csrow=" + Format.decimal(csrow)
    }

    // MARK: - MCA_STATUS (rasdaemon's amd_decode_errcode)

    /// Error status sentence, status flags and the error-code class, one per line.
    static func decodeStatus(_ ctx: inout DecodeContext) {
        let s = ctx.status
        ctx.out.line(errorStatus(status: s, mcgstatus: ctx.record.mcgstatus))

        if s & MCiStatus.val == 0 { ctx.out.line("MCE_INVALID") }
        if s & MCiStatus.over != 0 { ctx.out.line("Error_overflow") }
        if s & MCiStatus.pcc != 0 { ctx.out.line("Processor_context_corrupt") }
        // Bits 46:45: CECC alone reads as corrected, any UECC as uncorrected.
        switch (s >> 45) & 3 {
        case 2: ctx.out.line("CECC")
        case 1, 3: ctx.out.line("UECC")
        default: break
        }
        if s & SMCAStatus.poison != 0 { ctx.out.line("Poison consumed") }
        if s & SMCAStatus.tcc != 0 { ctx.out.line("Task_context_corrupt") }

        if let text = errorCodeClass(UInt16(truncatingIfNeeded: s)) {
            ctx.out.line("MCA: " + text)
        }
    }

    /// rasdaemon's sentence for the error's status. The selection among the uncorrected
    /// sentences follows the kernel (rasdaemon <= 0.8.5 always chose "containable", its
    /// issue #251).
    static func errorStatus(status s: UInt64, mcgstatus: UInt64) -> String {
        if s & MCiStatus.uc != 0 {
            if s & MCiStatus.pcc != 0 { return "System Fatal error." }
            if mcgstatus & MCGStatus.ripv != 0 { return "Uncorrected, software restartable error." }
            return "Uncorrected, software containable error."
        }
        if s & SMCAStatus.deferred != 0 { return "Deferred error, no action required." }
        return "Corrected error, no action required."
    }

    /// Severity on SMCA: bits 56/55 are ErrCoreIdVal/TCC here, not S/AR, so the Intel
    /// classification does not apply; deferred errors are uncorrected but need no action.
    static func severity(status s: UInt64) -> Severity {
        if s & MCiStatus.uc != 0 {
            return s & MCiStatus.pcc != 0 ? .fatal : .uncorrected
        }
        if s & SMCAStatus.deferred != 0 { return .uncorrected }
        return .corrected
    }

    // Error code (MCA_STATUS 15:0) sub-field names, AMD APM vol. 2 §9.3.3.
    static let transactionTypes = ["instruction", "data", "generic", "reserved"]       // TT
    static let cacheLevels = ["reserved", "L1", "L2", "L3/generic"]                    // LL
    static let memoryTransactions = ["generic", "generic read", "generic write",       // RRRR
                                     "data read", "data write", "instruction fetch",
                                     "prefetch", "evict", "snoop"]
    static let participations = ["local node origin", "local node response",           // PP
                                 "local node observed", "generic participation"]
    static let timeouts = ["request didn't time out", "request timed out"]             // T
    static let internalTypes = ["reserved", "reserved", "hardware assert", "reserved"] // UU

    /// The error code's class in rasdaemon's words, or nil for codes it does not classify.
    static func errorCodeClass(_ ec: UInt16) -> String? {
        let tt = transactionTypes[Int((ec >> 2) & 3)]
        let ll = cacheLevels[Int(ec & 3)]
        let r4 = Int((ec >> 4) & 0xf)
        let rrrr = r4 < memoryTransactions.count ? memoryTransactions[r4] : "Wrong R4!"
        if ec & 0xF4FF == 0x0400 {
            return "Internal '" + internalTypes[Int((ec >> 8) & 3)] + "'"
        }
        if ec & 0xFFF0 == 0x0010 {
            return "TLB Error 'tx: " + tt + ", level: " + ll + "'"
        }
        if ec & 0xFF00 == 0x0100 {
            return "Memory Error 'mem-tx: " + rrrr + ", tx: " + tt + ", level: " + ll + "'"
        }
        if ec & 0xF800 == 0x0800 {
            let pp = participations[Int((ec >> 9) & 3)]
            let to = timeouts[Int((ec >> 8) & 1)]
            return "Bus Error '" + pp + ", " + to + ", mem-tx: " + rrrr + ", level: " + ll + "'"
        }
        return nil
    }
}

extension AMDSMCA {
    /// Extended error code descriptions per bank type, verbatim from rasdaemon
    /// (typos included: "Rx CMD Pocket Error").
    enum Descriptions {
        static let ls = [
            "Load queue parity",
            "Store queue parity",
            "Miss address buffer payload parity",
            "L1 TLB parity",
            "DC Tag error type 5",
            "DC tag error type 6",
            "DC tag error type 1",
            "Internal error type 1",
            "Internal error type 2",
            "Sys Read data error thread 0",
            "Sys read data error thread 1",
            "DC tag error type 2",
            "DC data error type 1 (poison consumption)",
            "DC data error type 2",
            "DC data error type 3",
            "DC tag error type 4",
            "L2 TLB parity",
            "PDC parity error",
            "DC tag error type 3",
            "DC tag error type 5",
            "L2 fill data error",
            "Error on SCB cacheline state or address field",
            "Error on SCB data, commit pipe 0",
            "Error on SCB data, commit pipe 1",
            "Error on SCB data for non-cacheable DRAM or IO",
            "System Read Data Error detected by write combine buffer",
            "Hardware Asserts",
        ]

        static let ls2 = [
            "An ECC error was detected on a data cache read by a probe or victimization",
            "An ECC error or L2 poison was detected on a data cache read by a load",
            "An ECC error was detected on a data cache read-modify-write by a store",
            "An ECC error or poison bit mismatch was detected on a tag read by a probe or victimization",
            "An ECC error or poison bit mismatch was detected on a tag read by a load",
            "An ECC error or poison bit mismatch was detected on a tag read by a store",
            "An ECC error was detected on an EMEM read by a load",
            "An ECC error was detected on an EMEM read-modify-write by a store",
            "A parity error was detected in an L1 TLB entry by any access",
            "A parity error was detected in an L2 TLB entry by any access",
            "A parity error was detected in a PWC entry by any access",
            "A parity error was detected in an STQ entry by any access",
            "A parity error was detected in an LDQ entry by any access",
            "A parity error was detected in a MAB entry by any access",
            "A parity error was detected in an SCB entry state field by any access",
            "A parity error was detected in an SCB entry address field by any access",
            "A parity error was detected in an SCB entry data field by any access",
            "A parity error was detected in a WCB entry by any access",
            "A poisoned line was detected in an SCB entry by any access",
            "A SystemReadDataError error was reported on read data returned from L2 for a load",
            "A SystemReadDataError error was reported on read data returned from L2 for an SCB store",
            "A SystemReadDataError error was reported on read data returned from L2 for a WCB store",
            "A hardware assertion error was reported",
            "A parity error was detected in an STLF, SCB EMEM entry, store data mask or SRB store data by any access",
        ]

        static let instructionFetch = [
            "microtag probe port parity error",
            "IC microtag or full tag multi-hit error",
            "IC full tag parity",
            "IC data array parity",
            "PRQ Parity Error",
            "L0 ITLB parity error",
            "L1-TLB parity error",
            "L2-TLB parity error",
            "BPQ snoop parity on Thread 0",
            "BPQ snoop parity on Thread 1",
            "BP L1-BTB Multi-Hit Error",
            "BP L2-BTB Multi-Hit Error",
            "L2 Cache Response Poison error",
            "System Read Data error",
            "Hardware Assertion Error",
            "L1-TLB Multi-Hit",
            "L2-TLB Multi-Hit",
            "BSR Parity Error",
            "CT MCE",
        ]

        static let l2 = [
            "L2M Tag Multiple-Way-Hit error",
            "L2M Tag or State Array ECC Error",
            "L2M Data Array ECC Error",
            "Hardware Assert Error",
            "SDP Read Response Parity Error",
            "Error initiated by programmable state machine",
        ]

        static let decode = [
            "Micro-op cache tag array parity error",
            "Micro-op cache data array parity error",
            "IBB Register File parity error",
            "Micro-op queue parity error",
            "Instruction dispatch queue parity error",
            "Fetch address FIFO parity error",
            "Patch RAM data parity error",
            "Patch RAM sequencer parity error",
            "Micro-op fetch queue parity error",
            "Hardware Assertion MCA Error",
        ]

        static let execution = [
            "Watchdog timeout error",
            "Physical register file parity error",
            "Flag register file parity error",
            "Immediate displacement register file parity error",
            "Address generator payload parity error",
            "EX payload parity error",
            "Checkpoint queue parity error",
            "Retire dispatch queue parity error",
            "Retire status queue parity error",
            "Scheduler queue parity error",
            "Branch buffer queue parity error",
            "Hardware Assertion error",
            "Spec Map parity error",
            "Retire Map parity error",
        ]

        static let floatingPoint = [
            "Physical register file (PRF) parity error",
            "Freelist (FL) parity error",
            "Schedule queue parity error",
            "NSQ parity error",
            "Retire queue (RQ) parity error",
            "Status register file (SRF) parity error",
            "Hardware assertion",
            "Physical K mask register file (KRF) parity error",
        ]

        static let l3 = [
            "Shadow tag macro ECC error",
            "Shadow tag macro multi-way-hit error",
            "L3M tag ECC error",
            "L3M tag multi-way-hit error",
            "L3M data ECC error",
            "SDP Parity Error from XI",
            "L3 victim queue Data Fabric error",
            "L3 Hardware Assertion",
            "XI WCB Parity Poison Creation event",
            "Machine check error initiated by DSM action",
        ]

        static let cs = [
            "Illegal request",
            "Address violation",
            "Security violation",
            "Illegal response",
            "Unexpected response",
            "Request or Probe Parity Error",
            "Read Response Parity Error",
            "Atomic request parity error",
            "Probe Filter ECC Error",
        ]

        static let cs2 = [
            "Illegal Request",
            "Address Violation",
            "Security Violation",
            "Illegal Response",
            "Unexpected Response",
            "Request or Probe Parity Error",
            "Read Response Parity Error",
            "Atomic Request Parity Error",
            "SDP read response had no match in the CS queue",
            "Probe Filter Protocol Error",
            "Probe Filter ECC Error",
            "SDP read response had an unexpected RETRY error",
            "Counter overflow error",
            "Counter underflow error",
            "Illegal Request on the no data channel",
            "Address Violation on the no data channel",
            "Security Violation on the no data channel",
            "Hardware Assert Error",
            "Shadow Tag Array Protocol Error",
            "Shadow Tag ECC Error",
            "Shadow Tag Transaction Error",
        ]

        /// Genoa revision guide erratum 1384: CS codes reassigned.
        static let cs2Quirk = [
            "Illegal Request",
            "Address Violation",
            "Security Violation",
            "Illegal Response",
            "Unexpected Response",
            "Request or Probe Parity Error",
            "Read Response Parity Error",
            "Atomic Request Parity Error",
            "SDP read response had no match in the CS queue",
            "SDP read response had an unexpected RETRY error",
            "Counter overflow error",
            "Counter underflow error",
            "Probe Filter Protocol Error",
            "Probe Filter ECC Error",
            "Illegal Request on the no data channel",
            "Address Violation on the no data channel",
            "Security Violation on the no data channel",
            "Hardware Assert Error",
        ]

        static let pie = [
            "Hardware assert",
            "Register security violation",
            "Link error",
            "Poison data consumption",
            "A deferred error was detected in the DF",
            "Watch Dog Timer",
            "An SRAM ECC error was detected in the CNLI block",
            "Register access during DF Cstate",
            "DSM Error",
        ]

        static let umc = [
            "DRAM ECC error",
            "Data poison error on DRAM",
            "SDP parity error",
            "Advanced peripheral bus error",
            "Command/address parity error",
            "Write data CRC error",
            "DCQ SRAM ECC error",
            "AES SRAM ECC error",
            "ECS Row Error",
            "ECS Error",
            "UMC Throttling Error",
            "Read CRC Error",
            "Reserved",
            "Reserved",
            "Reserved",
            "Reserved",
            "RFM SRAM ECC error",
        ]

        static let umcQuirk = [
            "DRAM On Die ECC error",
            "Data poison error",
            "SDP parity error",
            "Reserved",
            "Address/Command parity error",
            "HBM Write data parity error",
            "Consolidated SRAM ECC error",
            "Reserved",
            "Reserved",
            "Rdb SRAM ECC error",
            "Thermal throttling",
            "HBM Read Data Parity error",
            "Reserved",
            "UMC FW Error",
            "SRAM Parity Error",
            "HBM CRC Error",
        ]

        static let umc2 = [
            "DRAM ECC error",
            "Data poison error",
            "SDP parity error",
            "Reserved",
            "Address/Command parity error",
            "Write data parity error",
            "DCQ SRAM ECC error",
            "Reserved",
            "Read data parity error",
            "Rdb SRAM ECC error",
            "RdRsp SRAM ECC error",
            "LM32 MP errors",
        ]

        static let mall = [
            "Counter overflow error",
            "Counter underflow error",
            "Write Data Parity Error",
            "Read Response Parity Error",
            "Cache Tag ECC Error Macro 0",
            "Cache Tag ECC Error Macro 1",
            "Cache Data ECC Error",
        ]

        static let pb = ["An ECC error in the Parameter Block RAM array"]

        static let psp = ["An ECC or parity error in a PSP RAM instance"]

        static let psp2 = [
            "High SRAM ECC or parity error",
            "Low SRAM ECC or parity error",
            "Instruction Cache Bank 0 ECC or parity error",
            "Instruction Cache Bank 1 ECC or parity error",
            "Instruction Tag Ram 0 parity error",
            "Instruction Tag Ram 1 parity error",
            "Data Cache Bank 0 ECC or parity error",
            "Data Cache Bank 1 ECC or parity error",
            "Data Cache Bank 2 ECC or parity error",
            "Data Cache Bank 3 ECC or parity error",
            "Data Tag Bank 0 parity error",
            "Data Tag Bank 1 parity error",
            "Data Tag Bank 2 parity error",
            "Data Tag Bank 3 parity error",
            "Dirty Data Ram parity error",
            "TLB Bank 0 parity error",
            "TLB Bank 1 parity error",
            "System Hub Read Buffer ECC or parity error",
            "FUSE IP SRAM ECC or parity error",
            "PCRU FUSE SRAM ECC or parity error",
            "SIB SRAM parity error",
            "mpASP SECEMC Error",
            "mpASP A5 Hang",
            "SIB WDT error",
        ]

        static let smu = ["An ECC or parity error in an SMU RAM instance"]

        /// The first ten codes SMU V2 and MP5 share: the microcontroller's SRAMs and caches.
        static let microcontrollerSRAMs = [
            "High SRAM ECC or parity error",
            "Low SRAM ECC or parity error",
            "Data Cache Bank A ECC or parity error",
            "Data Cache Bank B ECC or parity error",
            "Data Tag Cache Bank A ECC or parity error",
            "Data Tag Cache Bank B ECC or parity error",
            "Instruction Cache Bank A ECC or parity error",
            "Instruction Cache Bank B ECC or parity error",
            "Instruction Tag Cache Bank A ECC or parity error",
            "Instruction Tag Cache Bank B ECC or parity error",
        ]

        /// SMU V2 covers all 64 codes: 12-57 reserved, 58-62 the MI300A GFX sub-IP codes.
        static let smu2: [String] = {
            var t = microcontrollerSRAMs + [
                "System Hub Read Buffer ECC or parity error",
                "PHY RAS ECC Error",
            ]
            t += [String](repeating: "Reserved", count: 58 - t.count)
            t += [
                "A correctable error from a GFX Sub-IP",
                "A fatal error from a GFX Sub-IP",
                "Reserved",
                "Reserved",
                "A poison error from a GFX Sub-IP",
                "Reserved",
            ]
            return t
        }()

        static let mp5 = microcontrollerSRAMs + ["Fuse SRAM ECC or parity error"]

        /// The eight cache/tag bank entries MPDMA lists three times over.
        private static let mpdmaCacheBanks = [
            "Data Cache Bank A ECC or parity error",
            "Data Cache Bank B ECC or parity error",
            "Data Tag Cache Bank A ECC or parity error",
            "Data Tag Cache Bank B ECC or parity error",
            "Instruction Cache Bank A ECC or parity error",
            "Instruction Cache Bank B ECC or parity error",
            "Instruction Tag Cache Bank A ECC or parity error",
            "Instruction Tag Cache Bank B ECC or parity error",
        ]

        static let mpdma: [String] = [
            "Main SRAM [31:0] bank ECC or parity error",
            "Main SRAM [63:32] bank ECC or parity error",
            "Main SRAM [95:64] bank ECC or parity error",
            "Main SRAM [127:96] bank ECC or parity error",
        ] + mpdmaCacheBanks + mpdmaCacheBanks + mpdmaCacheBanks + [
            "System Hub Read Buffer ECC or parity error",
            "MPDMA TVF DVSEC Memory ECC or parity error",
            "MPDMA TVF MMIO Mailbox0 ECC or parity error",
            "MPDMA TVF MMIO Mailbox1 ECC or parity error",
            "MPDMA TVF Doorbell Memory ECC or parity error",
            "MPDMA TVF SDP Slave Memory 0 ECC or parity error",
            "MPDMA TVF SDP Slave Memory 1 ECC or parity error",
            "MPDMA TVF SDP Slave Memory 2 ECC or parity error",
            "MPDMA TVF SDP Master Memory 0 ECC or parity error",
            "MPDMA TVF SDP Master Memory 1 ECC or parity error",
            "MPDMA TVF SDP Master Memory 2 ECC or parity error",
            "MPDMA TVF SDP Master Memory 3 ECC or parity error",
            "MPDMA TVF SDP Master Memory 4 ECC or parity error",
            "MPDMA TVF SDP Master Memory 5 ECC or parity error",
            "MPDMA TVF SDP Master Memory 6 ECC or parity error",
            "SDP Watchdog Timer expired",
            "MPDMA PTE Command FIFO ECC or parity error",
            "MPDMA PTE Hub Data FIFO ECC or parity error",
            "MPDMA PTE Internal Data FIFO ECC or parity error",
            "MPDMA PTE Command Memory DMA ECC or parity error",
            "MPDMA PTE Command Memory Internal ECC or parity error",
            "MPDMA TVF SDP Master Memory 7 ECC or parity error",
        ]

        static let nbio = [
            "ECC or Parity error",
            "PCIE error",
            "External SDP ErrEvent error",
            "SDP Egress Poison error",
            "Internal Poison error",
            "Internal system fatal error event",
        ]

        static let pcie = [
            "CCIX PER Message logging",
            "CCIX Read Response with Status: Non-Data Error",
            "CCIX Write Response with Status: Non-Data Error",
            "CCIX Read Response with Status: Data Error",
            "CCIX Non-okay write response with data error",
        ]

        static let pcie2 = ["SDP Data Parity Error logging"]

        static let xgmiPCS = [
            "Data Loss Error",
            "Training Error",
            "Flow Control Acknowledge Error",
            "Rx Fifo Underflow Error",
            "Rx Fifo Overflow Error",
            "CRC Error",
            "BER Exceeded Error",
            "Tx Vcid Data Error",
            "Replay Buffer Parity Error",
            "Data Parity Error",
            "Replay Fifo Overflow Error",
            "Replay Fifo Underflow Error",
            "Elastic Fifo Overflow Error",
            "Deskew Error",
            "Flow Control CRC Error",
            "Data Startup Limit Error",
            "FC Init Timeout Error",
            "Recovery Timeout Error",
            "Ready Serial Timeout Error",
            "Ready Serial Attempt Error",
            "Recovery Attempt Error",
            "Recovery Relock Attempt Error",
            "Replay Attempt Error",
            "Sync Header Error",
            "Tx Replay Timeout Error",
            "Rx Replay Timeout Error",
            "LinkSub Tx Timeout Error",
            "LinkSub Rx Timeout Error",
            "Rx CMD Pocket Error",
        ]

        static let xgmiPHY = [
            "RAM ECC Error",
            "ARC instruction buffer parity error",
            "ARC data buffer parity error",
            "PHY APB error",
        ]

        static let nbif = [
            "Timeout error from GMI",
            "SRAM ECC error",
            "NTB Error Event",
            "SDP Parity error",
        ]

        static let sata = [
            "Parity error for port 0",
            "Parity error for port 1",
            "Parity error for port 2",
            "Parity error for port 3",
            "Parity error for port 4",
            "Parity error for port 5",
            "Parity error for port 6",
            "Parity error for port 7",
        ]

        static let usb = [
            "Parity error or ECC error for S0 RAM0",
            "Parity error or ECC error for S0 RAM1",
            "Parity error or ECC error for S0 RAM2",
            "Parity error for PHY RAM0",
            "Parity error for PHY RAM1",
            "AXI Slave Response error",
        ]

        static let usrDP = [
            "Mst CMD Error",
            "Mst Rx FIFO Error",
            "Mst Deskew Error",
            "Mst Detect Timeout Error",
            "Mst FlowControl Error",
            "Mst DataValid FIFO Error",
            "Mac LinkState Error",
            "Deskew Error",
            "Init Timeout Error",
            "Init Attempt Error",
            "Recovery Timeout Error",
            "Recovery Attempt Error",
            "Eye Training Timeout Error",
            "Data Startup Limit Error",
            "LS0 Exit Error",
            "PLL powerState Update Timeout Error",
            "Rx FIFO Error",
            "Lcu Error",
            "Conv CECC Error",
            "Conv UECC Error",
            "Reserved",
            "Rx DataLoss Error",
            "Replay CECC Error",
            "Replay UECC Error",
            "CRC Error",
            "BER Exceeded Error",
            "FC Init Timeout Error",
            "FC Init Attempt Error",
            "Replay Timeout Error",
            "Replay Attempt Error",
            "Replay Underflow Error",
            "Replay Overflow Error",
        ]

        static let usrCP = [
            "Packet Type Error",
            "Rx FIFO Error",
            "Deskew Error",
            "Rx Detect Timeout Error",
            "Data Parity Error",
            "Data Loss Error",
            "Lcu Error",
            "HB1 Handshake Timeout Error",
            "HB2 Handshake Timeout Error",
            "Clk Sleep Rsp Timeout Error",
            "Clk Wake Rsp Timeout Error",
            "Reset Attack Error",
            "Remote Link Fatal Error",
        ]

        static let gmiPCS = [
            "Data Loss Error",
            "Training Error",
            "Replay Parity Error",
            "Rx Fifo Underflow Error",
            "Rx Fifo Overflow Error",
            "CRC Error",
            "BER Exceeded Error",
            "Tx Fifo Underflow Error",
            "Replay Buffer Parity Error",
            "Tx Overflow Error",
            "Replay Fifo Overflow Error",
            "Replay Fifo Underflow Error",
            "Elastic Fifo Overflow Error",
            "Deskew Error",
            "Offline Error",
            "Data Startup Limit Error",
            "FC Init Timeout Error",
            "Recovery Timeout Error",
            "Ready Serial Timeout Error",
            "Ready Serial Attempt Error",
            "Recovery Attempt Error",
            "Recovery Relock Attempt Error",
            "Deskew Abort Error",
            "Rx Buffer Error",
            "Rx LFDS Fifo Overflow Error",
            "Rx LFDS Fifo Underflow Error",
            "LinkSub Tx Timeout Error",
            "LinkSub Rx Timeout Error",
            "Rx CMD Packet Error",
            "LFDS Training Timeout Error",
            "LFDS FC Init Timeout Error",
            "Data Loss Error",
        ]
    }
}
