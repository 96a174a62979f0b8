"""What every benchmark records: the machine, versions and date, and timed child processes."""

from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

PACKAGES = ("claimcheck", "torch", "transformers", "sentence-transformers", "onnxruntime", "onnx", "ray", "numpy")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, object]:
    """Date, CPU, cores, memory, load (other jobs share this machine) and package versions."""
    pages, page = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {"date": datetime.datetime.now().isoformat(timespec="minutes"), "cpu": cpu_model(),
            "cpus": os.cpu_count(), "memory_gib": round(pages * page / 2**30, 1), "python": platform.python_version(),
            "load_average": [round(x, 2) for x in os.getloadavg()], "versions": versions}


def run_measured(cmd: list[str]) -> dict[str, object]:
    """Run ``cmd`` through the small launcher below; its wall time, exit code and peak RSS.

    A child forked from this (large) process would count the parent's pages it held before
    ``exec`` in its ``ru_maxrss``; the launcher is a fresh small process, so its child's figure
    is the command's own."""
    done = subprocess.run([sys.executable, "-m", "eval.bench.measure", *cmd], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"launcher failed: {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout)


def launch(cmd: list[str]) -> dict[str, object]:
    """Fork and exec ``cmd`` (stdout discarded); wall time, exit code, CPU time and ``ru_maxrss`` via ``wait4``."""
    started = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = child.stderr.read() if child.stderr else b""
    _, status, usage = os.wait4(child.pid, 0)
    return {"seconds": round(time.perf_counter() - started, 2), "returncode": os.waitstatus_to_exitcode(status),
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "stderr_tail": stderr.decode(errors="replace").strip().splitlines()[-3:]}


if __name__ == "__main__":
    print(json.dumps(launch(sys.argv[1:])))
