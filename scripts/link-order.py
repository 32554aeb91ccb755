#!/usr/bin/env python3
"""Writes the link order of the release binary (scripts/mcelog.order) from what the daemon runs.

Why: the static Swift runtime makes a 6 MB .text, and the kernel maps 64 KB around every page a
process touches, so start-up code spread over the whole .text made the idle daemon hold ~5 MB of
it. lld places the functions named here first, in this order: what runs from start to READY=1
and while idle, then what a record, a client command and a reload run. Names missing from a
later build are skipped by the linker (--no-warn-symbol-ordering), so a stale list only costs
memory, never correctness; regenerate it with `make link-order` after larger changes.

Needs valgrind (callgrind). Usage: link-order.py MCELOG [OUTPUT]"""
import os, shutil, signal, subprocess, sys, tempfile, time
from fifodaemon import FifoDaemon

mcelog = os.path.abspath(sys.argv[1])
output = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "mcelog.order")


def profile(work, name, workload):
    """Runs the daemon under callgrind and the workload against it; returns the functions of the
    binary that ran, in first-seen order of callgrind's output."""
    out = os.path.join(work, name + ".callgrind")
    daemon = FifoDaemon(mcelog, work, name, config=f"[global]\nstate-directory = {work}/{name}.state\n",
                        prefix=["valgrind", "--tool=callgrind", "--demangle=no", "--compress-strings=no",
                                "--compress-pos=no", f"--callgrind-out-file={out}"], stderr=subprocess.DEVNULL)
    daemon.wait_for("READY=1", timeout=120)
    time.sleep(1)  # idle
    workload(daemon)
    daemon.proc.send_signal(signal.SIGTERM)
    daemon.proc.wait(timeout=120)
    daemon.notify.close()
    names, current = [], None
    with open(out) as f:
        for line in f:
            if line.startswith("ob="):
                current = line[3:].strip()
            elif line.startswith("fn=") and current == mcelog_real:
                names.append(line[3:].strip())
    return names


def idle(daemon):
    pass


def records_and_clients(daemon):
    with open(daemon.pipe, "wb") as w:
        w.write(daemon.pages)
    time.sleep(3)
    for command in (["--ping"], ["--client"], ["--client", "--json"]):
        done = subprocess.run([mcelog, "--config-file", daemon.config] + command, capture_output=True, timeout=120)
        if done.returncode != 0:
            sys.exit(f"mcelog {' '.join(command)} failed under callgrind: {done.stderr.decode().strip()}")
    daemon.proc.send_signal(signal.SIGHUP)
    daemon.wait_for("READY=1", timeout=120)


mcelog_real = os.path.realpath(mcelog)
work = tempfile.mkdtemp(prefix="mcelog-order-")
try:
    first = profile(work, "idle", idle)
    later = profile(work, "records", records_and_clients)
finally:
    shutil.rmtree(work, ignore_errors=True)
seen, order = set(), []
for name in first + later:
    if name not in seen and not name.startswith("0x"):
        seen.add(name)
        order.append(name)
with open(output, "w") as f:
    f.write("# Link order of the release binary: functions the daemon runs from start to idle first,\n"
            "# then those of records, client commands and reload. Written by scripts/link-order.py.\n")
    f.write("\n".join(order) + "\n")
sizes = {}  # symbol -> bytes of code, to say how little of the binary the daemon runs
for line in subprocess.run(["nm", "-S", mcelog_real], capture_output=True, text=True).stdout.splitlines():
    parts = line.split()
    if len(parts) == 4 and parts[2] in "tTwW":
        sizes.setdefault(parts[3], int(parts[1], 16))
idle_set = set(first)
print(f"{output}: {len(order)} functions, {sum(sizes.get(n, 0) for n in order) // 1024} KB of code; "
      f"{len(idle_set)} of them, {sum(sizes.get(n, 0) for n in idle_set) // 1024} KB, run from start to idle")
