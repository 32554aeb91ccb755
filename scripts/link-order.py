#!/usr/bin/env python3
"""Writes the link order of the release binary (scripts/mcelog.order) from what the daemon runs.

Why: the static Swift runtime makes a 6 MB .text, and the kernel maps 64 KB around every page a
process touches, so start-up code spread over the whole .text made the idle daemon hold ~5 MB of
it. lld places the functions named here first, in this order: what runs from start to READY=1
and while idle, then what a record, a client command and a reload run. Names missing from a
later build are skipped by the linker (--no-warn-symbol-ordering), so a stale list only costs
memory, never correctness; regenerate it with `make link-order` after larger changes.

Needs valgrind (callgrind). Usage: link-order.py MCELOG [OUTPUT]"""
import os, shutil, signal, socket, subprocess, sys, tempfile, time

mcelog = os.path.abspath(sys.argv[1])
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
output = sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, "scripts/mcelog.order")
capture = os.path.join(root, "Tests/Fixtures/tracefs/debian-6.1")


def profile(work, name, workload):
    """Runs the daemon under callgrind with the capture's sub-buffers behind a FIFO; returns the
    functions of the binary that ran, in first-seen order of callgrind's output."""
    t = os.path.join(work, name)
    shutil.copytree(capture, t)
    pipe = os.path.join(t, "instances/mcelog/per_cpu/cpu0/trace_pipe_raw")
    with open(pipe, "rb") as f:
        pages = f.read()
    os.unlink(pipe)
    os.mkfifo(pipe)
    config = os.path.join(work, name + ".conf")
    client = os.path.join(work, name + ".sock")
    with open(config, "w") as f:
        f.write(f"[server]\nsocket-path = {client}\n[global]\nstate-directory = {work}/{name}.state\n")
    notify = os.path.join(work, name + ".notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(notify)
    sock.settimeout(120)
    out = os.path.join(work, name + ".callgrind")
    env = dict(os.environ, NOTIFY_SOCKET=notify)
    env.pop("WATCHDOG_USEC", None)
    proc = subprocess.Popen(["valgrind", "--tool=callgrind", "--demangle=no", "--compress-strings=no",
                             "--compress-pos=no", f"--callgrind-out-file={out}", mcelog, "--daemon",
                             "--foreground", "--config-file", config, "--tracefs", t,
                             "--logfile", os.path.join(work, name + ".log")],
                            env=env, stderr=subprocess.DEVNULL)

    def wait_for(word):
        while word not in sock.recv(4096).decode().split("\n"):
            pass

    wait_for("READY=1")
    time.sleep(1)  # idle
    workload(pages, pipe, config, proc, wait_for)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=120)
    sock.close()
    names, current = [], None
    with open(out) as f:
        for line in f:
            if line.startswith("ob="):
                current = line[3:].strip()
            elif line.startswith("fn=") and current == mcelog_real:
                names.append(line[3:].strip())
    return names


def idle(pages, pipe, config, proc, wait_for):
    pass


def records_and_clients(pages, pipe, config, proc, wait_for):
    with open(pipe, "wb") as w:
        w.write(pages)
    time.sleep(3)
    for command in (["--ping"], ["--client"], ["--client", "--json"]):
        done = subprocess.run([mcelog, "--config-file", config] + command, capture_output=True, timeout=120)
        if done.returncode != 0:
            sys.exit(f"mcelog {' '.join(command)} failed under callgrind: {done.stderr.decode().strip()}")
    proc.send_signal(signal.SIGHUP)
    wait_for("READY=1")


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
print(f"{output}: {len(order)} functions ({len(set(first))} run from start to idle)")
