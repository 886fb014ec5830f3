"""How long `manage.py runmcp testnet` takes from launch until its /health answers 200.

    .venv/bin/python bench/runmcp_startup.py [--runs 10]

Starts its own Anvil (chain 31337) on a free port, then `runmcp` N times, one at a time, each
on a free port; prints the median and the worst run, in wall seconds and in CPU seconds the
process used until then (user + system: less sensitive to a machine loaded by other work).
`python -X importtime -m mcp_servers.serve` shows where an import-heavy start-up goes.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from testsupport.processes import free_port, runmcp_env, start_anvil  # noqa: E402


def healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def seconds_to_healthy(rpc_url: str) -> tuple[float, float]:
    port = free_port()
    command = [sys.executable, "manage.py", "runmcp", "testnet", "--port", str(port)]
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=BASE_DIR,
        env=runmcp_env("testnet", rpc_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while not healthy(port):
            if process.poll() is not None:
                raise RuntimeError(f"runmcp exited with {process.returncode}")
            time.sleep(0.01)
        wall = time.perf_counter() - started
        cpu = psutil.Process(process.pid).cpu_times()
        return wall, cpu.user + cpu.system
    finally:
        process.terminate()
        process.wait(10)


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--runs", type=int, default=10)
    runs = options.parse_args().runs
    anvil = start_anvil(chain_id=31337)
    try:
        seconds_to_healthy(anvil.url)  # warm the page cache: a first start reads every .pyc
        results = [seconds_to_healthy(anvil.url) for _ in range(runs)]
    finally:
        anvil.stop()
    for label, values in (("wall", [r[0] for r in results]), ("CPU", [r[1] for r in results])):
        print(
            f"runmcp testnet to healthy, {runs} runs, {label} s: median "
            f"{statistics.median(values):.3f}, min {min(values):.3f}, max {max(values):.3f}"
        )


if __name__ == "__main__":
    main()
