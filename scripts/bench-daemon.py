#!/usr/bin/env python3
"""Daemon benchmark (issue 3 item 8). Prints: time from start to READY=1, idle RSS, wake-ups
per second while idle (no watchdog), sustained records/s from a tracefs FIFO into journald, and
the rate of a plain sd_journal_sendv loop on the same machine (the limit).

journald's own speed drifts while its file grows, so the throughput is measured in ROUNDS
daemon runs, each between two loop runs, and every daemon run is compared with the mean of the
loop runs either side; the median of those ratios is the figure.
Usage: bench-daemon.py MCELOG MCELOG_BENCH [RECORDS [ROUNDS]]"""
import os, shutil, statistics, subprocess, sys, tempfile, threading, time
from fifodaemon import FifoDaemon

mcelog, bench = sys.argv[1], sys.argv[2]
repeats = max(1, int(sys.argv[3]) // 67) if len(sys.argv) > 3 else 600
rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 3
if not os.path.exists("/run/systemd/journal/socket"):
    sys.exit("no journald running (/run/systemd/journal/socket); start /lib/systemd/systemd-journald")
records = 67 * repeats


def switches(pid):
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/status") as f:
            for line in f:
                if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                    total += int(line.split()[1])
    return total


def status_kb(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS", "VmHWM", "RssAnon", "RssFile")):
                fields[line.split(":")[0]] = int(line.split()[1])
    return fields


def resident_by_mapping(pid):
    """Resident KB per file and permission (binary code, each library, heap...), largest first:
    where the idle RSS goes."""
    totals, current = {}, None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            parts = line.split()
            if not parts[0].endswith(":"):  # a mapping's header: range perms offset dev inode [path]
                path = os.path.basename(parts[5]) if len(parts) > 5 else "[anon]"
                current = f"{path} {parts[1][:3]}"
            elif parts[0] == "Rss:":
                totals[current] = totals.get(current, 0) + int(parts[1])
    return sorted(((name, kb) for name, kb in totals.items() if kb), key=lambda item: -item[1])


def plain_loop():
    out = subprocess.run([bench, "journal-loop", str(records)], capture_output=True, text=True, check=True).stdout
    return float(out.split("=")[1].split()[0]), out.strip()


def daemon_run(work, index, report_idle):
    """Starts the daemon on a FIFO, optionally reports start-up and idle figures, then writes the
    records and returns (records/s, lost, exit status, last STATUS=)."""
    daemon = FifoDaemon(mcelog, work, f"run{index}", extra=["--num-errors", str(records)])
    proc, sock = daemon.proc, daemon.notify
    ready = daemon.wait_for("READY=1")
    statuses = []

    def drain_notify():  # as systemd does: keep reading the notify socket
        sock.settimeout(None)
        while True:
            try:
                statuses.append(sock.recv(4096).decode())
            except OSError:
                return
    threading.Thread(target=drain_notify, daemon=True).start()
    if report_idle:
        print(f"start to READY=1:          {ready * 1000:8.1f} ms")
        time.sleep(1)
        s0 = switches(proc.pid)
        time.sleep(5)
        s1 = switches(proc.pid)
        kb = status_kb(proc.pid)
        print(f"idle RSS:                  {kb['VmRSS'] / 1024:8.1f} MiB")
        # Private memory, and clean file-backed pages of the binary and the libraries (shared
        # with the page cache, dropped first under memory pressure).
        print(f"  of which private (RssAnon): {kb.get('RssAnon', 0) / 1024:6.1f} MiB, "
              f"file-backed (RssFile): {kb.get('RssFile', 0) / 1024:.1f} MiB")
        print("  by mapping (KB resident): " + ", ".join(f"{name} {kb}" for name, kb in resident_by_mapping(proc.pid)[:8]))
        print(f"idle wake-ups (5 s):       {(s1 - s0) / 5:8.1f} per second (context switches of all threads)")
    peak = [0]

    def watch_peak():  # VmHWM belongs to the daemon's own address space (ru_maxrss would carry
        while True:    # the forking parent's figure across exec)
            try:
                peak[0] = max(peak[0], status_kb(proc.pid).get("VmHWM", 0))
            except (OSError, ValueError):
                return
            time.sleep(0.01)
    watcher = threading.Thread(target=watch_peak, daemon=True)
    watcher.start()
    t0 = time.monotonic()
    with open(daemon.pipe, "wb") as w:
        for _ in range(repeats):
            w.write(daemon.pages)
    proc.wait(timeout=600)
    elapsed = time.monotonic() - t0
    watcher.join()
    sock.close()
    subprocess.run(["journalctl", "--sync"], capture_output=True)
    # _PID alone can match an earlier process that had the same pid: only this run's entries.
    with subprocess.Popen(["journalctl", "-o", "json", f"_PID={proc.pid}", f"--since=@{daemon.started_wall:.6f}"],
                          stdout=subprocess.PIPE, text=True) as jc:
        stored = sum(1 for line in jc.stdout if '"MCE_STATUS"' in line)
    last = [m for m in statuses if "STATUS=" in m]
    return (stored / elapsed, records - stored, proc.returncode, peak[0],
            last[-1].split("STATUS=")[1].split("\n")[0] if last else "")


work = tempfile.mkdtemp(prefix="mcelog-bench-")
try:
    loops = [plain_loop()[0]]
    ratios = []
    for index in range(rounds):
        rate, lost, status, peak, last = daemon_run(work, index, report_idle=index == 0)
        loop, text = plain_loop()
        loops.append(loop)
        limit = (loops[-2] + loops[-1]) / 2
        ratios.append(100 * rate / limit)
        print(f"round {index + 1}: daemon, FIFO -> journald: {records} records, {rate:,.0f} records/s, {lost} lost "
              f"(exit {status}, peak RSS {peak / 1024:.1f} MiB); plain loop either side {loops[-2]:,.0f} / {loops[-1]:,.0f} entries/s; "
              f"daemon / loop {ratios[-1]:.1f} %")
    print(f"daemon / plain loop:       {statistics.median(ratios):8.1f} % (median of "
          f"{', '.join(f'{r:.1f}' for r in ratios)})")
    print("last STATUS=:              " + last)
finally:
    shutil.rmtree(work, ignore_errors=True)
