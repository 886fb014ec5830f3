"""Hand-written infrastructure against the well-kept library, A/B, both arms back to back.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/evmchat_bench \\
    REDIS_URL=redis://127.0.0.1:6379/4 \\
    .venv/bin/python bench/bench_infra.py --piece proxy-app [--arm own|library|both] [--rounds 2]

Pieces (the library arms are in bench/infra_arms.py):
  proxy-app     POST /api/mcp/testnet under daphne: mcp_proxy/asgi.py in front of Django (own)
                or Django's ASGI handler with every middleware (library). Two daphnes, one per
                arm, over the same Anvil, runmcp, PostgreSQL and Redis.
  cache         the same endpoint and GET /api/sessions/<id> (a Django view) under daphne with
                chatproject.lib.cache.SharedPoolRedisCache (own) or Django's RedisCache
                (library, settings bench/infra_library_settings.py). Redis connections opened
                are INFO's total_connections_received: the whole server's, others' included.
  mcp-client    mcp_proxy.client.call_tool in a process of its own: mcp_proxy/rpc.py (own) or
                the SDK's mcp.Client (library) under the same pool, breaker and catalog.
  tool-records  ToolCall rows written by sessions_app/tool_records.py (own, batched) or the
                ORM's acount + asave (library), in a process of its own.
  dbthreads     one small query through chatproject/lib/dbthreads.py's threads (own), channels'
                database_sync_to_async (library) or sync_to_async(thread_sensitive=False)
                (library-unpinned; library-checked: with CONN_HEALTH_CHECKS, the pool checks
                a connection before handing it out, as a database outage needs), all library
                arms on Django's psycopg pool (DATABASE_POOL=1).

Each arm is measured one call at a time (--sequential calls: p50 / p95) and under --clients
concurrent callers (--calls in all: p50 / p95, calls/s, and CPU per call of each process:
psutil user + system over the concurrent part; PostgreSQL is this database's backends). Arms
alternate within a round; --rounds rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import psutil

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench_proxy import ChatClient, percentiles, prepare_database  # noqa: E402

from testsupport.processes import (  # noqa: E402
    Daphne,
    Process,
    free_port,
    start_anvil,
    start_runmcp,
    wait_until,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/evmchat_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/4"
TOOL = "get_block_number"
ARMS = {
    "proxy-app": ("own", "library"),
    "cache": ("own", "library"),
    "mcp-client": ("own", "library"),
    "tool-records": ("own", "library"),
    "dbthreads": ("own", "library", "library-unpinned", "library-checked"),
}
OUT_OF_REACH = {
    "PROXY_RATE_LIMIT": "100000",
    "PROXY_RATE_BURST": "100000",
    "PROXY_CALLS_PER_MINUTE": "0",
    "SESSION_CREATES_PER_MINUTE": "0",
    "MAX_SESSIONS": "100000",
    "MAX_SESSIONS_PER_OWNER": "0",
    "MAX_SESSIONS_PER_ADDRESS": "0",
    "LOG_LEVEL": "WARNING",
}


class CpuMeter:
    """CPU seconds of named processes (and this database's PostgreSQL backends)."""

    def __init__(self, pids: dict[str, int], database: str) -> None:
        self.pids, self.database = pids, database
        self.before: dict[int, float] = {}

    def _groups(self) -> dict[str, list[psutil.Process]]:
        groups = {name: [psutil.Process(pid)] for name, pid in self.pids.items()}
        groups["postgres"] = [
            p
            for p in psutil.process_iter(["cmdline"])
            if " ".join(p.info["cmdline"] or []).startswith("postgres: ")
            and f" {self.database} " in " ".join(p.info["cmdline"] or [])
        ]
        return groups

    @staticmethod
    def _cpu(process: psutil.Process) -> float:
        try:
            times = process.cpu_times()
        except psutil.Error:
            return 0.0
        return times.user + times.system

    def start(self) -> None:
        self.before = {p.pid: self._cpu(p) for ps in self._groups().values() for p in ps}

    def per_call_ms(self, calls: int) -> dict[str, float]:
        spent = {
            name: sum(self._cpu(p) - self.before.get(p.pid, 0.0) for p in ps)
            for name, ps in self._groups().items()
        }
        return {name: round(seconds * 1000 / calls, 3) for name, seconds in spent.items()}


Call = Callable[[int], Awaitable[Any]]  # the caller's number, 0 .. clients - 1


async def timed(call: Call, calls: int, clients: int) -> dict[str, Any]:
    """``calls`` calls from ``clients`` concurrent callers: latency percentiles and rate."""
    latencies: list[float] = []
    errors: list[str] = []

    async def caller(number: int) -> None:
        for _ in range(calls // clients):
            started = time.perf_counter()
            if error := await call(number):  # a call that failed says why; others say nothing
                errors.append(str(error))
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(caller(n) for n in range(clients)))
    elapsed = time.perf_counter() - started
    stats = percentiles(latencies)
    rate = len(latencies) / elapsed
    return {"p50": stats["p50"], "p95": stats["p95"], "rate": rate, "errors": errors}


# --- the pieces measured under daphne -------------------------------------------------------


def start_backend(env: dict[str, str], application: str) -> Daphne:
    port = free_port()
    command = [sys.executable, "-m", "chatproject.daphne", "-b", "127.0.0.1", "-p", str(port)]
    logs = os.environ.get("BENCH_DAPHNE_LOG_DIR")  # keep each daphne's log there
    log_path = Path(logs) / f"daphne-{port}.log" if logs else None
    daphne = Daphne(
        args=[*command, application], env={**os.environ, **env}, port=port, log_path=log_path
    )
    daphne.start()
    wait_until(daphne.ready, 120, f"daphne ({application})")
    return daphne


def redis_connections(redis_url: str) -> int:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        return int(client.info("stats")["total_connections_received"])
    finally:
        client.close()


async def endpoint_arm(daphne: Daphne, args: argparse.Namespace, meter: CpuMeter) -> dict[str, Any]:
    async def browsers(n: int) -> list[ChatClient]:
        users = [ChatClient(daphne.base_url) for _ in range(n)]
        await asyncio.gather(*(u.open() for u in users))
        return users

    async def checked(user: ChatClient) -> str:
        status, content = await user.call()
        return "" if status == 200 else f"{status} {content[:200]!r}"

    (one,) = await browsers(1)
    await checked(one)
    meter.start()
    sequential = await timed(lambda _: checked(one), args.sequential, 1)
    sequential["cpu_ms"] = meter.per_call_ms(args.sequential)
    users = await browsers(args.clients)
    await asyncio.gather(*(checked(u) for u in users))  # warm-up
    meter.start()
    load = await timed(lambda n: checked(users[n]), args.calls, args.clients)
    cpu = meter.per_call_ms(args.calls // args.clients * args.clients)
    await asyncio.gather(*(u.close() for u in [one, *users]))
    return {"sequential": sequential, "load": load, "cpu_ms": cpu}


async def page_arm(daphne: Daphne, args: argparse.Namespace, meter: CpuMeter) -> dict[str, Any]:
    """GET /api/sessions/<id> of one's own chat: a Django view, the browser session loaded."""
    users = [ChatClient(daphne.base_url) for _ in range(args.clients)]
    await asyncio.gather(*(u.open() for u in users))
    readers = [PageReader(u) for u in users]
    await asyncio.gather(*(r.get() for r in readers))
    meter.start()
    load = await timed(lambda n: readers[n].get(), args.calls, args.clients)
    cpu = meter.per_call_ms(args.calls // args.clients * args.clients)
    await asyncio.gather(*(r.close() for r in readers))
    return {"load": load, "cpu_ms": cpu}


class PageReader:
    """A keep-alive GET of the browser's own chat, with its cookies."""

    def __init__(self, user: ChatClient) -> None:
        self.user = user
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        cookies = "; ".join(f"{c.name}={c.value}" for c in user.http.cookies.jar)
        host = str(user.http.base_url).split("//")[1].rstrip("/")
        self.request = (
            f"GET /api/sessions/{user.session_id} HTTP/1.1\r\nhost: {host}\r\n"
            f"cookie: {cookies}\r\n\r\n"
        ).encode()

    async def get(self) -> str:
        if self.writer is None:
            host, port = str(self.user.http.base_url).split("//")[1].rstrip("/").split(":")
            self.reader, self.writer = await asyncio.open_connection(host, int(port))
        assert self.reader is not None
        self.writer.write(self.request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        body = await self.reader.readexactly(length)
        return "" if head.startswith(b"HTTP/1.1 200") else f"{head[:12]!r} {body[:200]!r}"

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        await self.user.close()


def run_daphne_piece(piece: str, args: argparse.Namespace, env: dict[str, str]) -> None:
    started: list[Process] = []
    try:
        anvil = start_anvil(31337)
        started.append(anvil)
        server = start_runmcp("testnet", anvil.url)
        started.append(server)
        backend_env = {**env, **OUT_OF_REACH}
        backend_env["MCP_TESTNET_URL"] = server.url
        backends = {}
        for arm in args.arms:
            arm_env, application = dict(backend_env), "chatproject.asgi:application"
            if piece == "proxy-app" and arm == "library":
                application = "bench.infra_arms:django_application"
            if piece == "cache" and arm == "library":
                arm_env["DJANGO_SETTINGS_MODULE"] = "bench.infra_library_settings"
            backends[arm] = start_backend(arm_env, application)
            started.append(backends[arm])
        assert server.popen is not None
        for round_ in range(1, args.rounds + 1):
            for arm, daphne in backends.items():
                assert daphne.popen is not None
                pids = {"daphne": daphne.popen.pid, "runmcp": server.popen.pid}
                meter = CpuMeter(pids, args.database)
                connections = redis_connections(env["REDIS_URL"])
                result: dict[str, Any] = {
                    "endpoint": asyncio.run(endpoint_arm(daphne, args, meter))
                }
                if piece == "cache":
                    result["page"] = asyncio.run(page_arm(daphne, args, meter))
                result["redis_connections"] = redis_connections(env["REDIS_URL"]) - connections
                print_result(piece, arm, round_, result)
    finally:
        for process in reversed(started):
            process.stop()


# --- the pieces measured in a process of their own ------------------------------------------


def run_worker_piece(piece: str, args: argparse.Namespace, env: dict[str, str]) -> None:
    started: list[Process] = []
    try:
        extra: dict[str, str] = {}
        if piece == "mcp-client":
            anvil = start_anvil(31337)
            started.append(anvil)
            server = start_runmcp("testnet", anvil.url)
            started.append(server)
            assert server.popen is not None
            extra = {"MCP_TESTNET_URL": server.url}
            extra["BENCH_RUNMCP_PID"] = str(server.popen.pid)
        for round_ in range(1, args.rounds + 1):
            for arm in args.arms:
                worker_env = {**os.environ, **env, **OUT_OF_REACH, **extra}
                if arm.startswith("library") and piece == "dbthreads":
                    worker_env["DATABASE_POOL"] = "1"
                command = [sys.executable, __file__, "--worker", piece, "--arm", arm]
                command += [f"--{k}={getattr(args, k)}" for k in ("calls", "clients", "sequential")]
                out = subprocess.run(
                    command,
                    env=worker_env,
                    cwd=BASE_DIR,
                    check=True,
                    capture_output=True,
                    text=True,
                )
                print_result(piece, arm, round_, json.loads(out.stdout.strip().splitlines()[-1]))
    finally:
        for process in reversed(started):
            process.stop()


def worker(piece: str, arm: str, args: argparse.Namespace) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatproject.settings")
    import django

    django.setup()
    from django.db import connection

    database = connection.settings_dict["NAME"]
    if arm == "library-checked":  # read when the pool is built, at the first query
        connection.settings_dict["CONN_HEALTH_CHECKS"] = True
    pids = {"this process": os.getpid()}
    if runmcp := os.environ.get("BENCH_RUNMCP_PID"):
        pids["runmcp"] = int(runmcp)
    meter = CpuMeter(pids, database)
    measure = {"mcp-client": mcp_client_worker, "tool-records": tool_records_worker}
    measure["dbthreads"] = dbthreads_worker
    print(json.dumps(asyncio.run(measure[piece](arm, args, meter))))


async def measured(call: Call, args: argparse.Namespace, meter: CpuMeter) -> dict[str, Any]:
    await timed(call, 20, 1)  # warm: connections, prepared statements, tool list
    meter.start()
    sequential = await timed(call, args.sequential, 1)
    sequential["cpu_ms"] = meter.per_call_ms(args.sequential)
    meter.start()
    load = await timed(call, args.calls, args.clients)
    cpu = meter.per_call_ms(args.calls // args.clients * args.clients)
    return {"sequential": sequential, "load": load, "cpu_ms": cpu}


async def mcp_client_worker(arm: str, args: argparse.Namespace, meter: CpuMeter) -> dict[str, Any]:
    from mcp_proxy import client, pool

    if arm == "library":
        from infra_arms import SdkConnection

        pool.McpConnection = SdkConnection  # type: ignore[misc,assignment]

    async def call(_: int) -> str:
        await client.call_tool("testnet", TOOL, {})
        return ""

    return await measured(call, args, meter)


async def tool_records_worker(
    arm: str, args: argparse.Namespace, meter: CpuMeter
) -> dict[str, Any]:

    from asgiref.sync import sync_to_async

    from sessions_app import tool_records
    from sessions_app.models import ChatSession, ToolCall

    owner = f"bench-infra-{secrets.token_hex(8)}"
    chats = await sync_to_async(
        lambda: [ChatSession.objects.create(owner_key=owner) for _ in range(args.clients)]
    )()
    if arm == "library":
        from infra_arms import save_with_orm as save
    else:
        save = tool_records.save

    async def one(number: int) -> str:
        chat = chats[number]
        result = {"block_number": 1}
        row = ToolCall(chat_session=chat, call_id=f"proxy-{secrets.token_hex(8)}",
                       network="testnet", tool=TOOL, arguments={}, result=result)  # fmt: skip
        await save(row)
        return ""

    try:
        return await measured(one, args, meter)
    finally:
        await sync_to_async(lambda: ChatSession.objects.filter(owner_key=owner).delete())()


async def dbthreads_worker(arm: str, args: argparse.Namespace, meter: CpuMeter) -> dict[str, Any]:

    from asgiref.sync import sync_to_async

    from chatproject.lib.dbthreads import db
    from sessions_app.models import ChatSession

    owner = f"bench-infra-{secrets.token_hex(8)}"
    chat = await sync_to_async(lambda: ChatSession.objects.create(owner_key=owner))()

    def read() -> object:  # a chat looked up by its id, as every socket and API call does
        return ChatSession.objects.filter(public_id=chat.public_id).first()

    if arm == "own":
        wrapped = db(read)
    else:
        import infra_arms

        wrap = infra_arms.database_sync_to_async
        wrapped = wrap(read) if arm == "library" else infra_arms.sync_to_async_unpinned(read)

    async def call(_: int) -> str:
        await wrapped()
        return ""

    try:
        return await measured(call, args, meter)
    finally:
        await sync_to_async(lambda: ChatSession.objects.filter(owner_key=owner).delete())()


# --- output ---------------------------------------------------------------------------------


def print_result(piece: str, arm: str, round_: int, result: dict[str, Any]) -> None:
    parts = [f"{piece} round {round_} {arm}:"]
    for name in ("endpoint", "page"):
        if name in result:
            parts.append(f"{name}: " + describe(result[name]))
    if "endpoint" not in result:
        parts.append(describe(result))
    if "redis_connections" in result:
        parts.append(f"Redis connections opened (server-wide) {result['redis_connections']}")
    print("  ".join(parts), flush=True)


def describe(result: dict[str, Any]) -> str:
    text = []
    if seq := result.get("sequential"):
        cpu = ", ".join(f"{name} {ms:.2f}" for name, ms in seq["cpu_ms"].items())
        text.append(f"one at a time p50 {seq['p50']:.2f} p95 {seq['p95']:.2f} ms, CPU {cpu};")
    load = result["load"]
    text.append(f"concurrent p50 {load['p50']:.2f} p95 {load['p95']:.2f} ms, {load['rate']:.0f}/s,")
    errors = (seq or {}).get("errors", []) + load["errors"]
    text.append(f"{len(errors)} errors{' (' + errors[0] + ')' if errors else ''};")
    cpu = ", ".join(f"{name} {ms:.2f}" for name, ms in result["cpu_ms"].items())
    text.append(f"CPU ms per call: {cpu}")
    return " ".join(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--piece", choices=[*ARMS, "all"], default="all")
    parser.add_argument("--arm", default="both", help="own, library, library-unpinned or both")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--sequential", type=int, default=300)
    parser.add_argument("--worker", choices=list(ARMS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.arm, args)
        return
    database_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ.get("REDIS_URL", DEFAULT_REDIS_URL),
    }
    # A checkout that never ran `make run` has no .secret_key, and the servers refuse the
    # public default: every process of this run shares a throwaway one.
    os.environ.setdefault("SECRET_KEY", f"bench-{secrets.token_urlsafe(32)}")
    args.database = database_url.rsplit("/", 1)[1]
    prepare_database(database_url)
    print(f"date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; nproc {os.cpu_count()}; "
          f"load {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
    for piece in ARMS if args.piece == "all" else [args.piece]:
        args.arms = ARMS[piece] if args.arm == "both" else [args.arm]
        runner = run_daphne_piece if piece in ("proxy-app", "cache") else run_worker_piece
        runner(piece, args, env)


if __name__ == "__main__":
    main()
