#!/usr/bin/env python3
"""Daemon benchmark (issue 3 item 8). Prints: time from start to READY=1, idle RSS, wake-ups
per second while idle (no watchdog), sustained records/s from a tracefs FIFO into journald, and
the rate of a plain sd_journal_sendv loop on the same machine (the limit).
Usage: bench-daemon.py MCELOG MCELOG_BENCH [RECORDS]"""
import os, shutil, socket, subprocess, sys, tempfile, time

mcelog, bench = sys.argv[1], sys.argv[2]
repeats = max(1, int(sys.argv[3]) // 67) if len(sys.argv) > 3 else 600
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
capture = os.path.join(root, "Tests/Fixtures/tracefs/debian-6.1")
if not os.path.exists("/run/systemd/journal/socket"):
    sys.exit("no journald running (/run/systemd/journal/socket); start /lib/systemd/systemd-journald")

work = tempfile.mkdtemp(prefix="mcelog-bench-")
try:
    shutil.copytree(capture, os.path.join(work, "t"))
    t = os.path.join(work, "t")
    pipe = os.path.join(t, "instances/mcelog/per_cpu/cpu0/trace_pipe_raw")
    with open(pipe, "rb") as f:
        pages = f.read()
    os.unlink(pipe)
    os.mkfifo(pipe)
    records = 67 * repeats

    notify_path = os.path.join(work, "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(notify_path)
    env = dict(os.environ, NOTIFY_SOCKET=notify_path)
    env.pop("WATCHDOG_USEC", None)
    start = time.monotonic()
    proc = subprocess.Popen([mcelog, "--daemon", "--foreground", "--tracefs", t, "--num-errors", str(records),
                             "--logfile", os.path.join(work, "fallback.log")], env=env)
    sock.settimeout(10)
    ready = None
    while ready is None:
        msg = sock.recv(4096).decode()
        if "READY=1" in msg.split("\n"):
            ready = time.monotonic() - start
    print(f"start to READY=1:          {ready * 1000:8.1f} ms")
    import threading
    statuses = []
    def drain_notify():  # as systemd does: keep reading the notify socket
        sock.settimeout(None)
        while True:
            try:
                statuses.append(sock.recv(4096).decode())
            except OSError:
                return
    threading.Thread(target=drain_notify, daemon=True).start()

    def switches(pid):
        total = 0
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/status") as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                        total += int(line.split()[1])
        return total

    def rss_kb(pid):
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS"):
                    return int(line.split()[1])

    time.sleep(1)
    s0 = switches(proc.pid)
    time.sleep(5)
    s1 = switches(proc.pid)
    print(f"idle RSS:                  {rss_kb(proc.pid) / 1024:8.1f} MiB")
    # What the RSS is made of: private memory, and clean file-backed pages of the binary and
    # the libraries (shared with the page cache, dropped first under memory pressure).
    parts = {}
    with open(f"/proc/{proc.pid}/status") as f:
        for line in f:
            if line.startswith(("RssAnon", "RssFile")):
                parts[line.split(":")[0]] = int(line.split()[1])
    print(f"  of which private (RssAnon): {parts.get('RssAnon', 0) / 1024:6.1f} MiB, file-backed (RssFile): {parts.get('RssFile', 0) / 1024:.1f} MiB")
    print(f"idle wake-ups (5 s):       {(s1 - s0) / 5:8.1f} per second (context switches of all threads)")

    t0 = time.monotonic()
    with open(pipe, "wb") as w:
        for _ in range(repeats):
            w.write(pages)
    proc.wait(timeout=600)
    elapsed = time.monotonic() - t0
    subprocess.run(["journalctl", "--sync"], capture_output=True)
    stored = sum(1 for line in subprocess.run(["journalctl", "-o", "json", f"_PID={proc.pid}"], capture_output=True,
                                              text=True).stdout.splitlines() if '"MCE_STATUS"' in line)
    lost = records - stored
    rate = stored / elapsed
    print(f"daemon, FIFO -> journald:  {stored} of {records} records journaled in {elapsed * 1000:.0f} ms = {rate:,.0f} records/s, {lost} lost (exit {proc.returncode})")
    out = subprocess.run([bench, "journal-loop", str(records)], capture_output=True, text=True, check=True).stdout
    print(out.strip())
    loop = float(out.split("=")[1].split()[0])
    print(f"daemon / plain loop:       {100 * rate / loop:8.1f} %")
    if statuses:
        print("last STATUS=:              " + [m for m in statuses if "STATUS=" in m][-1].split("STATUS=")[1].split("\n")[0])
finally:
    shutil.rmtree(work, ignore_errors=True)
