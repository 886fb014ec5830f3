"""A/B of one rate-limit check: the hand-written token bucket (Lua in Redis) that
mcp_proxy/ratelimit.py had until issue 12, against the `limits` library that replaced it.

    .venv/bin/python bench/bench_ratelimit.py [--checks 20000] [--keys 100] [--rounds 3]
                                              [--own-rev b2bf9a7]

Starts its own Valkey (testsupport.processes.start_redis: never the machine's shared one).
The old module is read from git (`git show <rev>:mcp_proxy/ratelimit.py`). Each round runs
both variants back to back (own, limits), against Redis and in memory (no REDIS_URL), with
limits high enough that every check is allowed: the common case, one round trip. Prints CPU
per check of this process and of the Valkey server (psutil, user + system) and the latency
percentiles of one check.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import psutil

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatproject.settings")

import django  # noqa: E402

django.setup()

from limits import RateLimitItemPerMinute  # noqa: E402

from chatproject.lib.ratelimit import Limiter  # noqa: E402
from testsupport.processes import start_redis  # noqa: E402

PER_MINUTE = 10_000_000  # never reached: the bench measures the allowed path


def own_module(rev: str) -> ModuleType:
    source = subprocess.run(
        ["git", "show", f"{rev}:mcp_proxy/ratelimit.py"],
        cwd=BASE_DIR,
        check=True,
        capture_output=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "ratelimit_own.py"
    path.write_bytes(source)
    spec = importlib.util.spec_from_file_location("ratelimit_own", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def variants(own: ModuleType, url: str) -> dict[str, Callable[[str], bool]]:
    bucket = own.bucket_for(url)
    limiter = Limiter(url)
    item = RateLimitItemPerMinute(PER_MINUTE)
    return {
        "own": lambda key: bool(bucket.take(key, PER_MINUTE / 60, PER_MINUTE).allowed),
        "limits": lambda key: limiter.take(key, item).allowed,
    }


def cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def run(check: Callable[[str], bool], checks: int, keys: int, server: psutil.Process) -> str:
    names = [f"bench:{n}" for n in range(keys)]
    for name in names:
        check(name)  # warm: scripts loaded, keys created
    latencies = []
    me = psutil.Process()
    cpu_me, cpu_server = cpu(me), cpu(server)
    for n in range(checks):
        started = time.perf_counter()
        assert check(names[n % keys])
        latencies.append((time.perf_counter() - started) * 1000)
    me_ms = (cpu(me) - cpu_me) * 1000 / checks
    server_ms = (cpu(server) - cpu_server) * 1000 / checks
    q = statistics.quantiles(latencies, n=100)
    return (
        f"CPU/check bench {me_ms:.3f} ms, valkey {server_ms:.3f} ms; "
        f"p50 {q[49]:.3f} / p95 {q[94]:.3f} / p99 {q[98]:.3f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checks", type=int, default=20_000)
    parser.add_argument("--keys", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--own-rev", default="b2bf9a7")
    args = parser.parse_args()
    own = own_module(args.own_rev)
    redis = start_redis()
    try:
        server = psutil.Process(redis.popen.pid)  # type: ignore[union-attr]
        by_url = {"redis": variants(own, redis.url), "memory": variants(own, "")}
        print(f"{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC, load {os.getloadavg()}")
        for round_ in range(1, args.rounds + 1):
            for storage, checks in by_url.items():
                for name, check in checks.items():
                    result = run(check, args.checks, args.keys, server)
                    print(f"round {round_} {storage:6} {name:6} {result}", flush=True)
        print(f"end {time.strftime('%H:%M:%S', time.gmtime())} UTC, load {os.getloadavg()}")
    finally:
        redis.stop()


if __name__ == "__main__":
    main()
