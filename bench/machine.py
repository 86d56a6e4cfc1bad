"""What the benchmarks read of this machine: CPU time from /proc/stat, waiting for the cores to be
idle before measuring, and a free port on 127.0.0.1 for a server they start."""

from __future__ import annotations

import socket
import time

HOST = "127.0.0.1"


def cpu_ticks() -> tuple[int, int]:
    """(idle, total) jiffies of all CPUs so far: idle counts iowait; total leaves out guest time,
    which is already counted in user."""
    with open("/proc/stat") as stat:
        values = [int(value) for value in stat.readline().split()[1:]]
    return values[3] + values[4], sum(values[:8])


def cpu_idle(seconds: float = 5.0) -> float:
    """The machine's idle share (all cores) over `seconds`."""
    idle, total = cpu_ticks()
    time.sleep(seconds)
    idle2, total2 = cpu_ticks()
    return (idle2 - idle) / max(total2 - total, 1)


def wait_idle(limit: float) -> float:
    """Wait up to `limit` seconds for the machine to be ≥ 90 % idle (other work on the two cores
    slows the server and the clients alike, but not evenly); the last idle share seen."""
    deadline = time.monotonic() + limit
    idle = cpu_idle()
    while idle < 0.9 and time.monotonic() < deadline:
        idle = cpu_idle()
    return round(idle, 3)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])
