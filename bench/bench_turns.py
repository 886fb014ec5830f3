"""Agent turns under load: the builtin agent, Anvil, runmcp testnet and daphne, with N chat
sessions (default 100) each asking "balance of alice" over its own websocket at the same time.

Measures, per message: the first event after sending it (message.created) and the whole turn
(up to turn.complete). Needs PostgreSQL and Redis:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/evmchat_bench \
    REDIS_URL=redis://127.0.0.1:6379/5 \
    .venv/bin/python bench/bench_turns.py --sessions 100 --turns 5 [--think 5]

BENCH_STAGES=1 adds when each event type arrived; BENCH_DAPHNE_LOG=FILE keeps daphne's log;
BENCH_PYSPY=FILE records the (first) daphne with py-spy during the timed part only (raw folded
stacks, GIL samples only; BENCH_PYSPY_ALL=1: every thread running on a CPU);
REDIS_CHANNEL_LAYER=core runs the backend on channels_redis' core layer (the default is Pub/Sub).

CPU per turn of each process (psutil, user + system time between the start and the end of the
timed part): daphne, runmcp, Anvil, the PostgreSQL backends of this benchmark's database (found
by the database name in their process title) and redis-server. Redis is the machine's shared
server: its figure includes whatever other clients did meanwhile. Daphne's CPU is also split
between its main thread (the event loop) and its other threads (the database threads), with
their context switches per turn (from /proc).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil
from websockets.asyncio.client import connect

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from testsupport.processes import (  # noqa: E402
    Daphne,
    McpServer,
    start_anvil,
    start_daphne,
    start_runmcp,
    wait_until,
)

# Every simulated user comes from 127.0.0.1: the per-address limits would refuse them. The limits
# stay on (their Redis work is part of a turn's cost), set out of this benchmark's reach.
UNREACHABLE_LIMITS = {
    name: "1000000"
    for name in (
        "SESSION_CREATES_PER_MINUTE",
        "CHAT_MESSAGES_PER_MINUTE",
        "AGENT_TURNS_PER_MINUTE",
        "PROXY_CALLS_PER_MINUTE",
    )
}

# On a loaded machine (other engineers' test suites) daphne and runmcp took 25-40 s to start.
START_SECONDS = 120


def start_backend(env: dict[str, str]) -> Daphne:
    """daphne, logging to BENCH_DAPHNE_LOG when set."""
    log = os.environ.get("BENCH_DAPHNE_LOG")
    daphne = start_daphne(env, wait=False, log_path=Path(log) if log else None)
    wait_until(daphne.ready, START_SECONDS, "daphne")
    return daphne


STAGES: dict[str, list[float]] = {}


def start_profiler(pid: int) -> subprocess.Popen[bytes] | None:
    """py-spy on ``pid`` when BENCH_PYSPY names an output file."""
    output = os.environ.get("BENCH_PYSPY")
    if not output:
        return None
    py_spy = str(Path(sys.executable).parent / "py-spy")
    command = [py_spy, "record", "--pid", str(pid), "--output", output, "--format", "raw"]
    if not os.environ.get("BENCH_PYSPY_ALL"):  # every thread on a CPU, not only the GIL's
        command.append("--gil")
    return subprocess.Popen([*command, "--threads", "--rate", "200"])


class CpuMeter:
    """CPU seconds spent by each named group of processes between start() and stop()."""

    def __init__(self, pids: dict[str, list[int]], database: str) -> None:
        self.profiler: subprocess.Popen[bytes] | None = None
        self.profile = True  # BENCH_PYSPY records between start() and stop()
        self.pids = pids
        self.database = database
        self.before: dict[int, tuple[float, float]] = {}
        self.spent: dict[str, tuple[float, float]] = {}
        self.threads_before = ((0, 0.0), (0, 0.0))
        self.threads_spent = [(0, 0.0), (0, 0.0)]

    def _groups(self) -> dict[str, list[psutil.Process]]:
        groups = {name: [psutil.Process(pid) for pid in pids] for name, pids in self.pids.items()}
        groups["postgres"], groups["redis"] = [], []
        for process in psutil.process_iter(["name", "cmdline"]):
            title = " ".join(process.info["cmdline"] or [])
            if title.startswith("postgres: ") and f" {self.database} " in title:
                groups["postgres"].append(process)
            elif (process.info["name"] or "").startswith("redis-server"):
                groups["redis"].append(process)
        return groups

    @staticmethod
    def _cpu(process: psutil.Process) -> tuple[float, float]:
        """(user + system, system) seconds."""
        try:
            times = process.cpu_times()
        except psutil.Error:
            return 0.0, 0.0
        return times.user + times.system, times.system

    def threads(self) -> tuple[tuple[int, float], tuple[int, float]]:
        """(context switches, CPU seconds) of daphne's main threads, and of its other threads
        (the database threads): a thread's wake-up is one switch, and on this VM a wake-up
        of an idle thread costs more CPU than the little work it runs (~0.2 ms)."""
        tick = os.sysconf("SC_CLK_TCK")
        main, other = [0, 0.0], [0, 0.0]
        for pid in self.pids["daphne"]:
            for task in Path(f"/proc/{pid}/task").iterdir():
                try:
                    status = (task / "status").read_text().splitlines()
                    stat = (task / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                counts = main if task.name == str(pid) else other
                counts[0] += sum(int(x.split()[1]) for x in status if "ctxt_switches:" in x)
                counts[1] += (int(stat[11]) + int(stat[12])) / tick
        return (main[0], main[1]), (other[0], other[1])

    def start(self) -> None:
        if self.profile:
            self.profiler = start_profiler(self.pids["daphne"][0])
        self.threads_before = self.threads()
        for processes in self._groups().values():
            for process in processes:
                self.before[process.pid] = self._cpu(process)

    def stop(self) -> None:
        if self.profiler is not None:
            self.profiler.send_signal(signal.SIGINT)
            self.profiler.wait(60)
        after = self.threads()
        self.threads_spent = [
            (after[i][0] - self.threads_before[i][0], after[i][1] - self.threads_before[i][1])
            for i in (0, 1)
        ]
        for name, processes in self._groups().items():
            deltas = [self._delta(p) for p in processes]
            self.spent[name] = (sum(d[0] for d in deltas), sum(d[1] for d in deltas))

    def _delta(self, process: psutil.Process) -> tuple[float, float]:
        total, system = self._cpu(process)
        total_before, system_before = self.before.get(process.pid, (0.0, 0.0))
        return total - total_before, system - system_before

    def report(self, turns: int) -> str:
        per_turn = 1000 / max(turns, 1)
        parts = [f"{name} {per_turn * total:.1f}" for name, (total, _) in self.spent.items()]
        system = [f"{name} {per_turn * sys_:.1f}" for name, (_, sys_) in self.spent.items()]
        return (
            f"CPU per turn (ms): {', '.join(parts)}\n  of which system: {', '.join(system)}\n"
            "daphne threads per turn: "
            + ", ".join(
                f"{name} {switches * per_turn / 1000:.1f} switches {cpu * per_turn:.1f} ms"
                for name, (switches, cpu) in zip(
                    ("main", "others"), self.threads_spent, strict=True
                )
            )
        )


def machine_speed() -> str:
    """This VM's speed drifts threefold within a day (docs/benchmarks.md): figures compare only
    with figures printed beside the same reading. CPU seconds of 10**7 Python additions."""
    started = time.process_time()
    total = 0
    for number in range(10**7):
        total += number
    return f"machine speed: 10**7 additions in {time.process_time() - started:.2f} s of CPU"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(name: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"{name}: n={len(ms)} median={statistics.median(ms):.1f} ms "
        f"p95={percentile(ms, 0.95):.1f} ms p99={percentile(ms, 0.99):.1f} ms max={max(ms):.1f} ms"
    )


async def new_browser_session(base_url: str) -> tuple[str, str]:
    """A browser (cookie jar) that creates one chat session through the HTTP API."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        token = (await client.get("/api/csrf")).json()["csrf_token"]
        response = await client.post("/api/sessions", json={}, headers={"X-CSRFToken": token})
        response.raise_for_status()
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        return response.json()["session"]["id"], cookie


async def one_session(port: int, chat_id: str, cookie: str, turns: int, start: asyncio.Event,
                      first: list[float], whole: list[float], errors: list[str],
                      think: float) -> None:  # fmt: skip
    url = f"ws://127.0.0.1:{port}/ws/sessions/{chat_id}/"
    async with connect(
        url, origin=f"http://127.0.0.1:{port}", additional_headers={"Cookie": cookie}
    ) as ws:
        assert json.loads(await ws.recv())["type"] == "session.state"
        await start.wait()
        for number in range(turns):
            if think:  # a person reading the answer before asking again
                await asyncio.sleep(random.uniform(0, 2 * think))
            # The id names the chat: a message another chat's socket sees is cross-talk.
            mine = f"bench-{chat_id[:12]}-"
            frame = {"type": "chat.message", "text": "balance of alice", "network": "testnet",
                     "client_msg_id": f"{mine}{number}"}  # fmt: skip
            sent = time.perf_counter()
            await ws.send(json.dumps(frame))
            got_first = False
            while True:
                event = json.loads(await asyncio.wait_for(ws.recv(), 30))
                if not got_first:
                    first.append(time.perf_counter() - sent)
                    got_first = True
                STAGES.setdefault(
                    event["type"]
                    + (
                        "" if event["type"] != "message.created" else "/" + event["message"]["role"]
                    ),
                    [],
                ).append(time.perf_counter() - sent)
                if event["type"] == "error":
                    errors.append(event["message"])
                asked = event["message"] if event["type"] == "message.created" else {}
                if asked.get("role") == "user" and not asked["client_msg_id"].startswith(mine):
                    errors.append("cross-talk: another chat's message on this socket")
                if event["type"] == "tool.result" and not event["ok"]:
                    errors.append(str(event.get("error")))
                if event["type"] == "turn.complete":
                    whole.append(time.perf_counter() - sent)
                    break


async def run(
    ports: list[int], sessions: int, turns: int, think: float, meter: CpuMeter | None = None
) -> None:
    """Session i lives on backend i mod len(ports) (HTTP and websocket alike)."""
    assigned = [ports[i % len(ports)] for i in range(sessions)]
    created = [await new_browser_session(f"http://127.0.0.1:{port}") for port in assigned]
    first: list[float] = []
    whole: list[float] = []
    errors: list[str] = []
    start = asyncio.Event()
    tasks = [
        asyncio.create_task(
            one_session(port, chat_id, cookie, turns, start, first, whole, errors, think)
        )
        for port, (chat_id, cookie) in zip(assigned, created, strict=True)
    ]
    await asyncio.sleep(1)  # every socket connected and idle
    if meter is not None:
        meter.start()
    started = time.perf_counter()
    start.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    elapsed = time.perf_counter() - started
    if meter is not None:
        meter.stop()
    failures = [r for r in results if isinstance(r, BaseException)]
    print(f"{sessions} sessions x {turns} turns in {elapsed:.1f} s "
          f"({len(whole) / elapsed:.0f} turns/s)")  # fmt: skip
    print(summary("first event after a message", first))
    print(summary("whole balance turn", whole))
    print(f"errors: {len(errors) + len(failures)} {errors[:3]} {failures[:3]}")
    if meter is not None:
        print(meter.report(len(whole)))
        print(machine_speed())
    if os.environ.get("BENCH_STAGES"):
        for name, values in STAGES.items():
            print(summary(f"  {name}", values))


@contextmanager
def builtin_stack(backends: int, **extra_env: str) -> Iterator[tuple[list[int], CpuMeter]]:
    """Anvil, runmcp testnet and ``backends`` daphnes with the builtin agent on PostgreSQL and
    Redis (migrated first); yields the daphnes' ports and a CPU meter of the processes."""
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres") or not os.environ.get("REDIS_URL"):
        sys.exit("Set DATABASE_URL (PostgreSQL) and REDIS_URL: the backend runs as daphne.")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=BASE_DIR, check=True
    )
    anvil = start_anvil(31337)
    started: list[Daphne | McpServer] = []
    # runmcp refuses the example's SECRET_KEY too (its testnet accounts derive from it).
    secret = {"SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50)}
    try:
        mcp = start_runmcp("testnet", anvil.url, env=secret, wait=False)
        started.append(mcp)
        wait_until(mcp.ready, START_SECONDS, "runmcp testnet")
        env = {"MCP_TESTNET_URL": mcp.url}  # the backend needs no RPC URL
        env.update({"AGENT_PROVIDER": "builtin", "LOG_LEVEL": "WARNING"})
        env["MAX_SESSIONS"] = os.environ.get("MAX_SESSIONS", "1000000")  # never the limit
        env.update(UNREACHABLE_LIMITS)
        env.update(secret)
        env.update(extra_env)
        daphnes: list[Daphne] = []
        for _ in range(backends):
            daphnes.append(start_backend(env))
            started.append(daphnes[-1])
        pids = {
            "daphne": [d.popen.pid for d in daphnes if d.popen],
            "runmcp": [mcp.popen.pid] if mcp.popen else [],
            "anvil": [anvil.popen.pid] if anvil.popen else [],
        }
        meter = CpuMeter(pids, database_url.rsplit("/", 1)[-1].split("?")[0])
        yield [daphne.port for daphne in daphnes], meter
    finally:
        for process in reversed(started):
            process.stop()
        anvil.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--turns", type=int, default=5)
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="mean seconds between a session's turns (0: every session asks at once, back to back)",
    )
    parser.add_argument("--backends", type=int, default=1, help="daphne processes")
    args = parser.parse_args()
    with builtin_stack(args.backends) as (ports, meter):
        asyncio.run(run(ports, args.sessions, args.turns, args.think, meter))


if __name__ == "__main__":
    main()
