"""What machine a measurement ran on: CPU, caches, compiler, virtualisation.

A measurement is only comparable on the same machine, so each one is stored with this
description and reused only where the description's key matches.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

SYSFS_CACHE = Path("/sys/devices/system/cpu/cpu0/cache")
NVIDIA_GPUS = Path("/proc/driver/nvidia/gpus")


@lru_cache(maxsize=1)
def describe() -> dict:
    cpuinfo = _read("/proc/cpuinfo")
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines()
                  if line.startswith(("model name", "Model", "Hardware"))), platform.processor() or "unknown")
    flags = next((line.split(":", 1)[1].split() for line in cpuinfo.splitlines() if line.startswith("flags")), [])
    return {
        "cpu": model,
        "arch": platform.machine(),
        "cores": os.cpu_count(),
        "caches": caches(),
        "compiler": compiler_version(),
        "virtualised": "hypervisor" in flags,
        "kernel": platform.release(),
    }


def key(machine: dict | None = None) -> str:
    """What makes two machines the same for measuring (the kernel may change underneath)."""
    m = dict(machine or describe())
    m.pop("kernel", None)
    return hashlib.sha256(json.dumps(m, sort_keys=True).encode()).hexdigest()[:16]


def caches() -> list[str]:
    out = []
    for index in sorted(SYSFS_CACHE.glob("index*")):
        level, kind, size = (_read(index / f).strip() for f in ("level", "type", "size"))
        ways = _read(index / "ways_of_associativity").strip()
        if level:
            out.append(f"L{level} {kind} {size} {ways}-way")
    return out


@lru_cache(maxsize=1)
def compiler_version() -> str | None:
    cc = compiler()
    if cc is None:
        return None
    try:
        done = subprocess.run([cc, "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.splitlines()[0].strip() if done.returncode == 0 and done.stdout else None


def gpus() -> list[str]:
    """NVIDIA GPUs the driver lists, by model name, found without importing torch or CUDA (so
    that listing exercises stays fast). RECALL_GPU=0 hides them, to get the analytic answers.
    They are not part of describe(): a CPU measurement does not depend on them, and a GPU
    exercise's code key names them instead (runner.code_key)."""
    if os.environ.get("RECALL_GPU") == "0":
        return []
    try:
        entries = sorted(NVIDIA_GPUS.iterdir())
    except OSError:
        return []
    names = []
    for entry in entries:
        info = _read(entry / "information")
        names.append(next((line.split(":", 1)[1].strip() for line in info.splitlines()
                           if line.startswith("Model:")), "NVIDIA GPU"))
    return names


def compiler() -> str | None:
    return os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")


def _read(path) -> str:
    try:
        return Path(path).read_text(errors="replace")
    except OSError:
        return ""
