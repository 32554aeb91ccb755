import Glibc
import MachineCheck
import MCEIO

// The limit the daemon is measured against: a plain sd_journal_sendv loop sending the
// same entries the daemon sends for the bundled capture's records (decode not timed).
// Usage: mcelog-bench journal-loop N

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

let args = CommandLine.arguments
guard args.count == 3, args[1] == "journal-loop", let n = Int(args[2]), n > 0 else {
    try? FileDescriptor.standardError.writeAll("usage: mcelog-bench journal-loop N\n")
    exit(2)
}
var record = MachineCheckRecord()
record.status = 0x9c00004000010093; record.misc = 0x8c; record.addr = 0x2000000; record.bank = 5
record.cpuid = 0x106a3; record.mcgcap = 0x100010a; record.time = 1_795_839_000; record.finished = 1
record.tsc = 0x369e3abeb
var text = TextBuffer()
text.line(RecordFormatter.disclaimer)
let facts = RecordFormatter().format(record, cpuType: .nehalem, into: &text)
let writer = JournalWriter()
guard JournalWriter.isJournalAvailable() else {
    try? FileDescriptor.standardError.writeAll("no journald at \(JournalWriter.defaultSocketPath)\n")
    exit(1)
}
let start = monotonicSeconds()
var failures = 0
for i in 0..<n {
    var r = record
    r.addr = 0x2000000 + UInt64(i) << 12
    let entry = JournalEntry.machineCheck(r, facts: facts, decoded: text, dimmName: nil)
    if writer.send(entry, checkSocket: false) != .sent { failures += 1 }
}
let elapsed = monotonicSeconds() - start
print("plain sd_journal_sendv loop: \(n) entries in \(Int(elapsed * 1000)) ms = \(Int(Double(n) / elapsed)) entries/s, \(failures) failed")
