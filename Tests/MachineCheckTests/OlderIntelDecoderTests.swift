import Foundation
import XCTest
@testable import MachineCheck

/// Probes for the older Intel and K8 decoder tests: a record as an ascii case gives it.
enum OldGolden {
    static func record(bank: UInt8 = 0, status: UInt64, misc: UInt64 = 0) -> MachineCheckRecord {
        var r = MachineCheckRecord()
        r.bank = bank
        r.status = status
        r.misc = misc
        r.length = RecordOffset.socketid
        return r
    }

    /// Text of the whole Intel decode (architectural + model-specific).
    static func full(_ type: CPUType, bank: UInt8 = 0, status: UInt64, misc: UInt64 = 0) -> DecodeContext {
        DecoderSpanReplay.decode(record(bank: bank, status: status, misc: misc), type)
    }

    /// Text of the model-specific part alone.
    static func model(_ type: CPUType, bank: UInt8 = 0, status: UInt64, misc: UInt64 = 0) -> DecodeContext {
        var ctx = DecodeContext(record: record(bank: bank, status: status, misc: misc), cpuType: type)
        ModelSpecific.decode(&ctx)
        return ctx
    }
}

final class OlderIntelDecoderTests: XCTestCase {
    // MARK: upstream cases

    func testGoldenCore2BusErrorsGen01() throws { try DecoderSpanReplay.check("gen-01") }
    func testGoldenNehalemMemoryControllerGen03() throws { try DecoderSpanReplay.check("gen-03") }
    func testGoldenTulsaAndP4Gen17() throws { try DecoderSpanReplay.check("gen-17") }
    func testGoldenNehalemCoreErrorCountGen37() throws { try DecoderSpanReplay.check("gen-37", forced: .nehalem) }
    func testGoldenNehalemDimm0() throws { try DecoderSpanReplay.check("dimm0") }
    func testGoldenCore2FullAndSimple() throws {
        try DecoderSpanReplay.check("full1")
        try DecoderSpanReplay.check("simple1.cpu-core2", forced: .core2)
    }
    func testGoldenNehalemCacheMemoryAndPageCases() throws {
        for name in ["GENCACHE-1-1-data-green", "GENCACHE-1-1-data-yellow", "GENCACHE-1-2-generic-yellow",
                     "GENCACHE-default", "GENMEM-0-1-0-2", "GENMEM-0-2-0-3", "GENMEM-1-2-1-7-uc",
                     "GENMEM-default", "GENPAGE-12345-0-1-1-5", "GENPAGE-12345"] {
            try DecoderSpanReplay.check(name)
        }
    }

    // MARK: held-back-style cases of our own

    func testExtraOlderIntelCases() throws {
        try DecoderSpanReplay.check("old-core2-p6", extra: true)
        try DecoderSpanReplay.check("old-tulsa-dunnington", extra: true)
        try DecoderSpanReplay.check("old-nehalem-xeon75xx", extra: true)
    }

    // MARK: Core 2 / P6 bus bits

    /// Unnamed bus-queue request type prints `<19:1>`; the error-type field prints twice.
    func testCore2UnnamedRequestTypeAndDuplicatedErrorType() {
        XCTAssertEqual(OldGolden.model(.core2, status: 0xb200001048080e0f).out.string,
                       "<19:1> BQ_ERR_SINGLE_TYPE BQ_ERR_SINGLE_TYPE internal BINIT\n"
                       + "received parity error on response transaction\n")
    }

    /// Request type 10 keeps upstream's `BC_` spelling; AERR2 error type; P6-only bits 28-37
    /// with reserved fields 31 and 32-34 as `<n:v>`; wrapping before the long split text.
    func testP6OldBitsAndReservedFields() {
        XCTAssertEqual(OldGolden.model(.p6old, status: 0x9000002df4500e0f).out.string,
                       "BC_DCU_WCEVICT_TYPE BQ_ERR_AERR2_TYPE BQ_ERR_AERR2_TYPE internal BINIT\n"
                       + "FRC error BERR on this CPU <31:1> <32:5> BINIT received from external bus\n"
                       + "Received hard error response on split transaction (Bus BINIT)\n")
    }

    /// Request type 0 always names itself; every P6 shared bit 36-46, reserved 39-41 and
    /// 55-56, the 75-column wrapping and the ECC syndrome (47-54).
    func testCore2SharedHighBitsWrapAndSyndrome() {
        XCTAssertEqual(OldGolden.model(.core2, status: 0xb17ffdd000000e0f).out.string,
                       "BQ_DCU_READ_TYPE BQ_ERR_HARD_TYPE BQ_ERR_HARD_TYPE\n"
                       + "received parity error on response transaction\n"
                       + "timeout BINIT (ROB timeout). No micro-instruction retired for some time\n"
                       + "<39:3> bus transaction received hard error response\n"
                       + "failure that caused IERR\n"
                       + "two failing bus transactions with address parity error (AERR)\n"
                       + "uncorrectable ECC error correctable ECC error <55:2>\n"
                       + "ECC syndrome: ff\n")
    }

    /// Core 2 bits 28-37 with the reserved 32-33 and 35.
    func testCore2ModelBits() {
        // 28, 29, 31, 32-33 = 3, 34, 35, 37; request type 29, error type 5.
        let status: UInt64 = 0x9000_002f_0000_0000 | 0xb000_0000 | (29 << 19) | (5 << 25) | 0x0e0b
        XCTAssertEqual(OldGolden.model(.core2, status: status).out.string,
                       "BQ_DCU_LOCK_WR_TYPE BQ_ERR_AERR1_TYPE BQ_ERR_AERR1_TYPE\n"
                       + "MCE driven MCE is observed BINIT observed <32:3>\n"
                       + "PIC or FSB data parity error <35:1> FSB address parity error detected\n")
    }

    /// Only bus/interconnect codes (MCACOD bit 11, F bit clear) get the bus bits.
    func testCore2BusBitsOnlyForBusErrors() {
        XCTAssertEqual(OldGolden.model(.core2, status: 0x9000000048080151).out.string, "")
        XCTAssertEqual(OldGolden.model(.core2, status: 0x9000000048081e0f).out.string, "")
    }

    // MARK: P4

    func testP4ModelLinesAndEmptyModel() {
        XCTAssertEqual(OldGolden.model(.p4, status: 0xb000000000890e0f).out.string,
                       "Model:FSB address parity\nPIC and FSB data parity\nPad address glitch\n\n")
        XCTAssertEqual(OldGolden.model(.p4, status: 0x9000000000000e0b).out.string, "Model:\n")
        // Bits 24-31 are not P4 model bits.
        XCTAssertEqual(OldGolden.model(.p4, status: 0x90000000ff760e0b).out.string,
                       "Model:Response hard fail\nResponse parity\n"
                       + "Invalid PIC request(Signature=0xF04H)\nPad state machine\nPad strobe glitch\n\n")
    }

    // MARK: Tulsa

    func testTulsaBusErrorWithModelCountsSyndromeAndMisc() {
        let ctx = OldGolden.model(.tulsa, status: 0xb813c2070a020e0f, misc: 0x1122334455)
        XCTAssertEqual(ctx.out.string,
                       "Model:Response hard fail\n\nCorrected events: 7\nECC syndrome: 3c\n"
                       + "MISC format 2 value 1122334455\n"
                       + "Partity error detected on Core 0 request's address field\n"
                       + "Data ECC event to error on inbound data correctable or uncorrectable\n"
                       + "Pad logic detected a request strobe glitch or sequencing error\n")
    }

    /// Reserved bus bits 19, 28-30 and 31; the syndrome needs status bit 52.
    func testTulsaReservedBusBitsAndSyndromeGate() {
        let status: UInt64 = 0x900f_f000_0000_0e0f | (1 << 19) | (7 << 28) | (1 << 31) | (1 << 16)
        XCTAssertEqual(OldGolden.model(.tulsa, status: status).out.string,
                       "Model:FSB address parity\nPIC and FSB data parity\n\n"
                       + "Parity error detected during FSB request phase <19:1> <28:7> <31:1>\n")
    }

    func testTulsaInternalErrorClasses() {
        func text(_ mscod: UInt64) -> String {
            OldGolden.model(.tulsa, status: 0x9000_0000_0000_0400 | mscod << 16).out.string
        }
        XCTAssertEqual(text(0x0009), "CBC OOD Queue Underflow/overflow\n")
        XCTAssertEqual(text(0x000f), "<0:f>\n")
        XCTAssertEqual(text(0x0000), "")
        XCTAssertEqual(text(0x0100), "Enhanced Intel SpeedStep Technology TM1-TM2 Error\n")
        // The embedded newline counts towards the line length like any character: at 79
        // characters the item is too long for any line, so even as the first item it gets
        // the wrapping newline in front.
        XCTAssertEqual(text(0x0400), "\nIntel Cache Safe Technology Queue full error\nor disabled ways in a set overflow\n")
        XCTAssertEqual(text(0x0f00), "<8:f>\n")
        XCTAssertEqual(text(0xc001), "Correctable ECC event on outgoing FSB data\n")
        XCTAssertEqual(text(0xe006), "Uncorrectable ECC event on outgoing core 0 data\n"
                                     + "Uncorrectable ECC event on outgoing core 1 data\n")
        // Not one of the four classes.
        XCTAssertEqual(text(0x1234), "")
    }

    /// The F bit makes MCACOD 0x1400: no internal decode (the counts still print).
    func testTulsaInternalDecodeNeedsExactCode() {
        XCTAssertEqual(OldGolden.model(.tulsa, status: 0x9000_0003_0009_1400).out.string,
                       "Corrected events: 3\n")
    }

    // MARK: Dunnington

    /// Bus 0x0e0f gets the Core 2 bits, then Dunnington's; the overlapping reserved fields
    /// 23-25 and 25-27 both report bit 25.
    func testDunningtonBusBitsAfterCore2Bits() {
        let status: UInt64 = 0xb000_0000_0000_0e0f | (1 << 16) | (5 << 17) | (7 << 20) | (1 << 25)
        XCTAssertEqual(OldGolden.model(.dunnington, status: status).out.string,
                       "<16:3> BQ_DCU_FLUSHL2_TYPE BQ_ERR_DOUBLE_TYPE BQ_ERR_DOUBLE_TYPE\n"
                       + "Parity error detected during FSB request phase <17:5>\n"
                       + "Hard Failure response received for a local transaction\n"
                       + "Parity error on FSB response field detected\n"
                       + "Parity data error on inbound data detected <23:4> <25:1>\n")
    }

    func testDunningtonInternalErrorClasses() {
        func text(_ mscod: UInt64) -> String {
            OldGolden.model(.dunnington, status: 0x9000_0000_0000_0400 | mscod << 16).out.string
        }
        XCTAssertEqual(text(0x000a), "Inclusion error from core 2\n")
        XCTAssertEqual(text(0x000b), "Write exclusive error from core 2\n")
        XCTAssertEqual(text(0x0009), "<0:9>\n")
        XCTAssertEqual(text(0x0500), "Quiet cycle timeout error (correctable)\n")
        XCTAssertEqual(text(0x0400), "\nIntel Cache Safe Technology Queue full error\nor disabled ways in a set overflow\n")
        XCTAssertEqual(text(0x0100), "<8:1>\n")
        XCTAssertEqual(text(0xc00e), "Correctable ECC event on outgoing core 0 data\n"
                                     + "Correctable ECC event on outgoing core 1 data\n"
                                     + "Correctable ECC event on outgoing core 2 data\n")
        // No FSB bit on Dunnington.
        XCTAssertEqual(text(0xc001), "")
        XCTAssertEqual(text(0xe008), "Uncorrectable ECC event on outgoing core 2 data\n")
    }

    // MARK: Nehalem

    /// A QPI bus error: Core 2 bits first, then the QPI status bits and, with MISCV, the
    /// MISC numbers (RHNID always) and flags.
    func testNehalemQPIBusErrorWithMisc() {
        let ctx = OldGolden.model(.nehalem, status: 0x9800000004010e0f, misc: 0x1056aa5)
        XCTAssertEqual(ctx.out.string,
                       "<16:1> BQ_DCU_READ_TYPE BQ_ERR_AERR2_TYPE BQ_ERR_AERR2_TYPE\n"
                       + "QPI header had bad parity Clock jitter detected in internal QPI clocking\n"
                       + "QPI class and opcode of packet with error: a5\n"
                       + "QPI Request Transaction ID: 2a\n"
                       + "QPI Requestor/Home Node ID (RHNID): 5\n"
                       + "QPI misc reserved 14 QPI Interleave/Head Indication Bit (IIB)\n")
        // Without MISCV the MISC is not looked at (out-of-table request type 31: `<19:1f>`);
        // with it, RHNID prints even when 0.
        XCTAssertEqual(OldGolden.model(.nehalem, status: 0x9000000000fc0e0f, misc: 0x1056aa5).out.string,
                       "<16:4> <19:1f> BQ_ERR_HARD_TYPE BQ_ERR_HARD_TYPE\n"
                       + "Number of QPI retries exceeded\n"
                       + "Received QPI data packet that was poisoned by sender QPI reserved 20\n"
                       + "QPI reserved 21 QPI received unsupported message encoding\n"
                       + "QPI credit type is not supported\n")
        XCTAssertEqual(OldGolden.model(.nehalem, status: 0x9800000000000e0f, misc: 0x00f80000).out.string,
                       "BQ_DCU_READ_TYPE BQ_ERR_HARD_TYPE BQ_ERR_HARD_TYPE\n"
                       + "QPI Requestor/Home Node ID (RHNID): 0\nQPI miscreserved 19-23: 1f\n")
    }

    /// Internal error 0x0001: code 0 names itself ("No Error"); reserved bits as numbers;
    /// out-of-table codes as `<24:v>`.
    func testNehalemInternalErrors() {
        XCTAssertEqual(OldGolden.model(.nehalem, status: 0x9000000000000001).out.string, "No Error\n")
        XCTAssertEqual(OldGolden.model(.nehalem, status: 0x90000100115a0001).out.string,
                       "VID controller does not match POC controller selected\n"
                       + "Internal machine check status reserved 16..23: 5a\n"
                       + "Internal machine check status reserved 32..56: 100\n")
        XCTAssertEqual(OldGolden.model(.nehalem, status: 0x900000001f000001).out.string, "<24:1f>\n")
        XCTAssertEqual(OldGolden.model(.nehalem, status: 0x900000001b000001).out.string, "<24:1b>\n")
        XCTAssertEqual(OldGolden.model(.nehalem, status: 0x900000001a000001).out.string,
                       "MSID from POC does not match CPU MSID\n")
    }

    func testNehalemMemoryFactsFromMisc() {
        let ctx = OldGolden.full(.nehalem, bank: 8, status: 0x9c00014000010091, misc: 0xdeadbeef0009003c)
        XCTAssertEqual(ctx.facts.channel, 2)
        XCTAssertEqual(ctx.facts.dimm, 1)
        XCTAssertEqual(ctx.facts.kind, .memory)
        XCTAssertTrue(ctx.facts.isMemoryError)
        // Without MISCV the MCACOD channel stands and the DIMM is unknown.
        let plain = OldGolden.full(.nehalem, bank: 8, status: 0x9000014000010091)
        XCTAssertEqual(plain.facts.channel, 1)
        XCTAssertNil(plain.facts.dimm)
    }

    /// All memory status bits, the reserved numbers, and the F bit disabling the decode.
    func testNehalemMemoryStatusBits() {
        XCTAssertEqual(OldGolden.model(.nehalem, status: 0x9000000001ff0080).out.string,
                       "Memory read ECC error Memory ECC error occurred during scrub\n"
                       + "Memory write parity error Memory error in half of redundant memory\n"
                       + "Memory reserved 20 Memory access out of range Memory internal RTID invalid\n"
                       + "Memory address parity error Memory byte enable parity error\n"
                       + "Memory corrected error count (CORE_ERR_CNT): 0\n")
        XCTAssertEqual(OldGolden.model(.nehalem, status: 0x9000000000011091).out.string, "")
    }

    // MARK: Xeon 7500

    func testXeon75xxOnlyInternalErrorsBesidesBusBits() {
        XCTAssertEqual(OldGolden.model(.xeon75xx, status: 0x9000000003000001).out.string,
                       "Reset firmware did not complete\n")
        XCTAssertEqual(OldGolden.model(.xeon75xx, status: 0x9800000000010091, misc: 0x90000).out.string, "")
        XCTAssertEqual(OldGolden.model(.xeon75xx, status: 0x9000000000080e0f).out.string,
                       "<19:1> BQ_ERR_HARD_TYPE BQ_ERR_HARD_TYPE\n")
        XCTAssertNil(OldGolden.full(.xeon75xx, bank: 8, status: 0x9800000000010091, misc: 0x90000).facts.dimm)
    }
}
