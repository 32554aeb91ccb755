"""The daemon on the bundled tracefs capture, its sub-buffers behind a FIFO: what the daemon
benchmark (bench-daemon.py) and the link-order profiler (link-order.py) both run."""
import os, shutil, socket, subprocess, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CAPTURE = os.path.join(ROOT, "Tests/Fixtures/tracefs/debian-6.1")


class FifoDaemon:
    """Lays out a copy of the capture in WORK/NAME with a FIFO for cpu0's trace_pipe_raw, a
    private client socket (a running mcelog does not interfere) and a NOTIFY_SOCKET receiver, and
    starts `PREFIX... MCELOG --daemon --foreground ... EXTRA...`. `pages` holds the capture's raw
    sub-buffers, to be written to `pipe`."""

    def __init__(self, mcelog, work, name, extra=(), prefix=(), config="", stderr=None):
        t = os.path.join(work, name)
        shutil.copytree(CAPTURE, t)
        self.pipe = os.path.join(t, "instances/mcelog/per_cpu/cpu0/trace_pipe_raw")
        with open(self.pipe, "rb") as f:
            self.pages = f.read()
        os.unlink(self.pipe)
        os.mkfifo(self.pipe)
        self.config = os.path.join(work, name + ".conf")
        with open(self.config, "w") as f:
            f.write(f"[server]\nsocket-path = {work}/{name}.sock\n{config}")
        notify = os.path.join(work, name + ".notify")
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(notify)
        env = dict(os.environ, NOTIFY_SOCKET=notify)
        env.pop("WATCHDOG_USEC", None)
        self.started = time.monotonic()
        self.started_wall = time.time()
        self.proc = subprocess.Popen(list(prefix) + [mcelog, "--daemon", "--foreground", "--config-file", self.config,
                                                     "--tracefs", t, "--logfile", os.path.join(work, name + ".log")]
                                     + list(extra), env=env, stderr=stderr)

    def wait_for(self, word, timeout=10):
        """Reads notify messages until one holds the line WORD (e.g. READY=1); returns the seconds
        since the start."""
        self.notify.settimeout(timeout)
        while word not in self.notify.recv(4096).decode().split("\n"):
            pass
        return time.monotonic() - self.started
