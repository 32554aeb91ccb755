#!/usr/bin/env python3
"""Generates the benchmark inputs: N ascii records cycling through four kinds (SKX bank 13
memory CE with all fields, ICX IMC CE with MISC decode, Core2 bus error with bitfields, HSX
yellow cache error), each after a separator text line, and N binary 128-byte records."""
import struct, sys

n, txt, binpath = int(sys.argv[1]), sys.argv[2], sys.argv[3]
kinds = [
    "CPU 3 BANK 13 TSC 1f2e3d4c5b MISC 140000086 ADDR 12345f000\nPROCESSOR 0:50654 TIME 1700000000\n"
    "STATUS 9c000040010000a1 MCGSTATUS 0\nMCGCAP 1000c16 APICID 6 SOCKETID 0\n",
    "CPU 5 BANK 13\nPROCESSOR 0:606a6\nMISC 8000001020304\nSTATUS 8c00004000101090 MCGSTATUS 0\n",
    "CPU 1 BANK 0\nPROCESSOR 0:6f6\nSTATUS 902d4024b0000e0b MCGSTATUS 0\n",
    "CPU 2 BANK 1\nPROCESSOR 0:306f2\nMCGCAP 0x800\nSTATUS 0x8840000000000105\n",
]
with open(txt, "w") as f:
    for i in range(n):
        f.write("mce: [Hardware Error]: Machine check events logged\n")
        f.write(kinds[i % 4])

def record(i):
    status = 0x9c000040010000a1 | (i & 0xf)
    return struct.pack("<7Q4BI4B3IQQQQI4xQ",
        status, 0x140000086, 0x12345f000 + (i << 12), 0, 0, 0x1f2e3d4c5b, 1700000000 + i,
        0, 0, 0, 0, 0x50654, 0, 13, 0, 1, i % 64, 0, i % 64, 0x1000c16, 0, 0, 0x1122334455, 0x2000065, 0)

with open(binpath, "wb") as f:
    for i in range(n):
        r = record(i)
        assert len(r) == 128, len(r)
        f.write(r)
