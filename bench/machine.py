#!/usr/bin/env python3
"""Prints the machine the figures were taken on, as JSON."""
import json, os, platform, subprocess

def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()

def mem_gb():
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        return None

def compiler():
    try:
        return subprocess.run(["c++", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    except Exception:
        return None

print(json.dumps({"cpu": cpu_model(), "cores": os.cpu_count(), "memory_gb": mem_gb(),
                  "kernel": platform.release(), "compiler": compiler(),
                  "load_average": os.getloadavg()}, indent=1))
