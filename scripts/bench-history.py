#!/usr/bin/env python3
"""Writes journal export format (systemd's "Journal Export Format") for the history
benchmark: N entries cycling through the JSON records on stdin (the output of
`mcelog --ascii --json`, i.e. the fields of mcelog's real journal entries), each with the
fields journald adds (__REALTIME_TIMESTAMP, __MONOTONIC_TIMESTAMP, _BOOT_ID, _HOSTNAME,
_PID, _COMM, ...), one second apart, spread over BOOTS boots and HOSTS hosts, with a DIMM
label on the memory errors. Every 50th entry is preceded by a records-lost entry.
Usage: bench-history.py N HOSTS BOOTS < records.jsonl > entries.export"""
import json, struct, sys

n, hosts, boots = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
records = [json.loads(l) for l in sys.stdin if l.strip()]
if not records:
    sys.exit("no records on stdin")
out = sys.stdout.buffer
start = 1_700_000_000
dimms = ["CPU0_DIMM_A1", "CPU0_DIMM_B1", "CPU1_DIMM_A1", "CPU1_DIMM_C2"]
lost_id = "aaf51df5623b46a3914774302b2d6096"

def field(name, value):
    data = value.encode()
    if b"\n" in data:   # binary-safe form: name, newline, little-endian 64-bit length, data
        out.write(name.encode() + b"\n" + struct.pack("<Q", len(data)) + data + b"\n")
    else:
        out.write(name.encode() + b"=" + data + b"\n")

def trusted(i, t):
    boot = i * boots // n
    host = i // len(records) % hosts
    field("__REALTIME_TIMESTAMP", str(t * 1_000_000))
    field("__MONOTONIC_TIMESTAMP", str((i + 1) * 1_000_000))
    field("_BOOT_ID", "%032x" % (0xb007 + boot))
    field("_MACHINE_ID", "%032x" % (0x3ac + host))
    field("_HOSTNAME", "node%02d" % host)
    for k, v in (("_TRANSPORT", "journal"), ("_UID", "0"), ("_GID", "0"), ("_PID", str(400 + boot)),
                 ("_COMM", "mcelog"), ("_EXE", "/usr/sbin/mcelog"),
                 ("_CMDLINE", "/usr/sbin/mcelog --daemon --foreground"),
                 ("_SYSTEMD_UNIT", "mcelog.service"), ("_SYSTEMD_CGROUP", "/system.slice/mcelog.service")):
        field(k, v)

for i in range(n):
    t = start + i
    if i % 50 == 49:
        trusted(i, t)
        for k, v in (("MESSAGE", "Lost 2 machine check records (tracefs, CPU 1)"), ("MESSAGE_ID", lost_id),
                     ("PRIORITY", "3"), ("SYSLOG_IDENTIFIER", "mcelog"), ("MCE_LOST_COUNT", "2"),
                     ("MCE_SOURCE", "tracefs"), ("MCE_CPU", "1")):
            field(k, v)
        out.write(b"\n")
    r = dict(records[i % len(records)])
    r["MCE_TIME"] = str(t)
    if r.get("MCE_KIND") == "memory":
        r["DIMM"] = r["MCE_DIMM"] = dimms[i // len(records) % len(dimms)]
    trusted(i, t)
    for k, v in r.items():
        field(k, v)
    out.write(b"\n")
