"""Fault scenarios under load, on the real stack (bench/stack.py), each with its outcome.

Users chat continuously (each on its own session, alternating testnet / polygon, reads of
their own address and testnet transfers) while one fault is injected and then repaired:

* mcp:      SIGKILL polygon's runmcp, restart it on the same port (nothing else restarted).
            Expected: testnet zero errors; polygon users a clear error; polygon recovers.
* backend:  SIGKILL one daphne, restart it. Clients reconnect (to any backend) and catch up;
            every message a client saw committed is in the history (nothing lost), and every
            acknowledged client_msg_id is stored exactly once.
* redis:    the stack runs on its own redis-server (free port; the machine's shared Redis is
            never touched); stop it, start it again on the same port.
* postgres: the backends reach PostgreSQL through a TCP proxy (testsupport/tcpproxy.py) that is cut
            for a few seconds (the machine's PostgreSQL is never stopped).

    .venv/bin/python bench/faults.py [--scenarios mcp,backend,redis,postgres] [--users 12]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from client import Browser, receive
from loadgen import User, message_for
from stack import DEFAULT_DATABASE_URL, Stack, start_stack

from testsupport.processes import start_redis
from testsupport.tcpproxy import TcpProxy

RESULTS = Path(__file__).resolve().parent / "results"
TURN_TIMEOUT = 45.0


@dataclass
class Turn:
    at: float
    user: int
    network: str
    ok: bool
    error: str = ""
    latency: float = 0.0


@dataclass
class Traffic:
    urls: list[str]
    started: float = field(default_factory=time.monotonic)
    turns: list[Turn] = field(default_factory=list)
    reconnects: int = 0
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    def now(self) -> float:
        return time.monotonic() - self.started


@dataclass
class Client:
    user: User
    browser: Browser
    ws: Any = None
    acked: dict[str, int] = field(default_factory=dict)  # client_msg_id -> message id
    seen_ids: set[int] = field(default_factory=set)  # every message.created id


async def connect_any(client: Client, traffic: Traffic) -> set[str]:
    """(Re)connect to the first backend that answers; check the history caught up.

    Returns the client_msg_ids the history holds."""
    attempt = 0
    while not traffic.stop.is_set():
        url = traffic.urls[(client.user.index + attempt) % len(traffic.urls)]
        attempt += 1
        try:
            client.ws = await client.browser.websocket(client.user.session_id, url)
            state = await receive(client.ws, 30)
            check_caught_up(client, state, traffic)
            return {m["client_msg_id"] for m in state["messages"]}
        except Exception:
            client.ws = None
            await asyncio.sleep(0.5)
    return set()


def check_caught_up(client: Client, state: dict[str, Any], traffic: Traffic) -> None:
    assert state["type"] == "session.state", state
    ids = [m["id"] for m in state["messages"]]
    client_ids = Counter(m["client_msg_id"] for m in state["messages"] if m["client_msg_id"])
    traffic.lost += [f"{client.user.index}:{i}" for i in client.seen_ids if i not in ids]
    traffic.duplicated += [k for k in client.acked if client_ids[k] > 1]


async def user_loop(client: Client, traffic: Traffic, networks: tuple[str, ...]) -> None:
    step = 0
    pending: tuple[str, dict[str, Any]] | None = None
    while not traffic.stop.is_set():
        if client.ws is None:
            stored = await connect_any(client, traffic)
            traffic.reconnects += 1 if step else 0
            if pending and pending[0] in stored:  # committed before the fault: not resent
                pending = None
                step += 1
            continue
        network, _, text = message_for(client.user, step)
        if network not in networks:
            step += 1
            continue
        # After a disconnect the same message is sent again with the same client_msg_id.
        msg_id, frame = pending or (uuid.uuid4().hex, {"text": text, "network": network})
        pending = (msg_id, frame)
        turn = await one_turn(client, traffic, msg_id, frame)
        traffic.turns.append(turn)
        if turn.error.startswith("disconnected"):
            client.ws = None
            continue
        pending = None
        step += 1
        if turn.error:  # a user reads the error before trying again
            await asyncio.sleep(1.0)


async def one_turn(client: Client, traffic: Traffic, msg_id: str, frame: dict[str, Any]) -> Turn:
    at = traffic.now()
    turn = Turn(at, client.user.index, frame["network"], ok=False)
    mine: dict[str, int] = {}
    try:
        await client.ws.send(json.dumps({"type": "chat.message", "client_msg_id": msg_id, **frame}))
        while True:
            event = await receive(client.ws, TURN_TIMEOUT)
            record_event(client, event, msg_id, turn, mine)
            if event["type"] == "turn.complete" and event["message_id"] == mine.get("reply"):
                break
            if event["type"] == "error" and turn.error:
                break
    except TimeoutError:
        turn.error = await explain_timeout(client, mine)
    except Exception as exc:
        turn.error = f"disconnected: {type(exc).__name__}"
    turn.ok = not turn.error
    turn.latency = traffic.now() - at
    return turn


async def explain_timeout(client: Client, mine: dict[str, int]) -> str:
    """No turn.complete arrived live: is the reply in the stored history (events lost)?"""
    try:
        history = await client.browser.history(client.user.session_id)
    except Exception:
        return "timeout: no turn.complete, history unreadable"
    replies = [m for m in history["messages"] if m["metadata"].get("reply_to") == mine.get("asked")]
    if "asked" not in mine:
        return "timeout: message never acknowledged"
    if replies:
        status = replies[-1]["metadata"].get("status") or "complete"
        return f"timeout: live events lost, reply in history ({status})"
    return "timeout: no reply stored"


def record_event(
    client: Client, event: dict[str, Any], msg_id: str, turn: Turn, mine: dict[str, int]
) -> None:
    """Note what the client saw; ``mine`` learns this turn's message and reply ids."""
    kind = event["type"]
    if kind == "message.created":
        message = event["message"]
        client.seen_ids.add(message["id"])
        if message.get("client_msg_id") == msg_id:
            client.acked[msg_id] = mine["asked"] = message["id"]
        elif "asked" in mine and message.get("metadata", {}).get("reply_to") == mine["asked"]:
            mine["reply"] = message["id"]
    elif kind == "error" and event.get("code") != "turn_in_progress":
        turn.error = f"error event {event.get('code')}: {event.get('message', '')[:120]}"
    elif kind == "tool.result" and not event.get("ok"):
        error = event.get("error") or {}
        code = error.get("code") if isinstance(error, dict) else ""
        detail = error.get("message", "") if isinstance(error, dict) else str(error)
        turn.error = f"tool error {code}: {detail[:90]}"


async def final_check(clients: list[Client], traffic: Traffic) -> None:
    """Compare what every client saw with the database (GET /api/sessions/<id>)."""
    for client in clients:
        try:
            history = await client.browser.history(client.user.session_id)
        except Exception as exc:
            traffic.lost.append(f"{client.user.index}: history unreadable {exc}")
            continue
        check_caught_up(client, {"type": "session.state", **history}, traffic)


async def run_traffic(
    urls: list[str], users: int, networks: tuple[str, ...]
) -> tuple[Traffic, list[Client], list[asyncio.Task[None]]]:
    traffic = Traffic(urls)
    clients = []
    for index in range(users):
        user = User(index, urls[index % len(urls)])
        browser = Browser(user.base_url)
        await browser.open()
        user.session_id = await browser.create_session(networks[index % len(networks)])
        clients.append(Client(user, browser))
    traffic.started = time.monotonic()
    tasks = [asyncio.create_task(user_loop(c, traffic, networks)) for c in clients]
    return traffic, clients, tasks


async def finish(traffic: Traffic, clients: list[Client], tasks: list[asyncio.Task[None]]) -> None:
    traffic.stop.set()
    await asyncio.wait(tasks, timeout=TURN_TIMEOUT + 10)
    for task in tasks:
        task.cancel()
    await final_check(clients, traffic)
    for client in clients:
        if client.ws is not None:
            await client.ws.close()
        await client.browser.aclose()


def phases(traffic: Traffic, fault_at: float, repaired_at: float) -> dict[str, Any]:
    """Turn outcomes per phase (before / during / after the fault) and network."""
    table: dict[str, Any] = {}
    for turn in traffic.turns:
        phase = "before" if turn.at < fault_at else "during" if turn.at < repaired_at else "after"
        cell = table.setdefault(phase, {}).setdefault(turn.network, {"ok": 0, "errors": Counter()})
        if turn.ok:
            cell["ok"] += 1
        else:
            cell["errors"][turn.error] += 1
    for networks in table.values():
        for cell in networks.values():
            cell["errors"] = dict(cell["errors"])
    return table


def recovery_seconds(traffic: Traffic, network: str, repaired_at: float) -> float | None:
    """From the repair to the first turn on ``network`` that started after it and succeeded."""
    oks = [t.at + t.latency for t in traffic.turns if t.network == network and t.ok]
    later = [done for done in oks if done > repaired_at]
    return round(min(later) - repaired_at, 2) if later else None


def late_errors(traffic: Traffic, repaired_at: float, grace: float) -> int:
    return sum(1 for t in traffic.turns if not t.ok and t.at > repaired_at + grace)


def summary(traffic: Traffic, fault_at: float, repaired_at: float) -> dict[str, Any]:
    return {
        "turns": len(traffic.turns),
        "phases": phases(traffic, fault_at, repaired_at),
        "recovery_s": {
            n: recovery_seconds(traffic, n, repaired_at) for n in ("testnet", "polygon")
        },
        "errors_after_recovery_grace_10s": late_errors(traffic, repaired_at, 10),
        "reconnects": traffic.reconnects,
        "lost_messages": traffic.lost[:20],
        "duplicated_client_msg_ids": sorted(set(traffic.duplicated))[:20],
        "fault_at_s": round(fault_at, 2),
        "repaired_at_s": round(repaired_at, 2),
    }


NETWORKS = ("testnet", "polygon")


async def through_a_fault(
    stack: Stack,
    users: int,
    outage: float,
    cause: Callable[[], None],
    repair: Callable[[], Awaitable[None]],
) -> dict[str, Any]:
    """Users chat for 8 s, ``cause`` breaks something for ``outage`` s, ``repair`` mends it,
    they chat 25 s more; what they saw."""
    traffic, clients, tasks = await run_traffic(stack.urls, users, NETWORKS)
    await asyncio.sleep(8)
    fault_at = traffic.now()
    cause()
    await asyncio.sleep(outage)
    await repair()
    repaired_at = traffic.now()
    await asyncio.sleep(25)
    await finish(traffic, clients, tasks)
    return summary(traffic, fault_at, repaired_at)


async def scenario_mcp(users: int, outage: float) -> dict[str, Any]:
    stack = start_stack(2, MAX_SESSIONS="2000")

    async def repair() -> None:
        await asyncio.to_thread(stack.restart_mcp, "polygon")

    try:
        return await through_a_fault(stack, users, outage, stack.mcp["polygon"].kill, repair)
    finally:
        stack.stop()


async def scenario_backend(users: int, outage: float) -> dict[str, Any]:
    stack = start_stack(2, MAX_SESSIONS="2000")
    victim = stack.daphnes[0]

    async def repair() -> None:
        stack.daphnes[0] = await asyncio.to_thread(stack.start_backend, victim.port)

    try:
        return await through_a_fault(stack, users, outage, victim.kill, repair)
    finally:
        stack.stop()


async def scenario_redis(users: int, outage: float) -> dict[str, Any]:
    redis = start_redis()
    os.environ["REDIS_URL"] = redis.url
    stack = start_stack(2, MAX_SESSIONS="2000")

    async def repair() -> None:
        await asyncio.to_thread(redis.restart)

    try:
        return await through_a_fault(stack, users, outage, redis.kill, repair)
    finally:
        stack.stop()
        redis.kill()


def through_proxy(database_url: str, port: int) -> str:
    parts = urlsplit(database_url)
    user = f"{parts.username}@" if parts.username else ""
    netloc = f"{user}127.0.0.1:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


async def scenario_postgres(users: int, outage: float) -> dict[str, Any]:
    database_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    upstream = urlsplit(database_url)
    proxy = TcpProxy(upstream.hostname or "127.0.0.1", upstream.port or 5432)
    await proxy.start()
    os.environ["DATABASE_URL"] = through_proxy(database_url, proxy.port)
    stack: Stack | None = None
    try:
        stack = await asyncio.to_thread(start_stack, 2, NETWORKS, MAX_SESSIONS="2000")

        async def repair() -> None:
            proxy.restore()

        result = await through_a_fault(stack, users, outage, proxy.cut, repair)
        result["connections_refused_during_cut"] = proxy.refused
        return result
    finally:
        os.environ["DATABASE_URL"] = database_url
        if stack:
            stack.stop()
        await proxy.stop()


SCENARIOS = {
    "mcp": scenario_mcp,
    "backend": scenario_backend,
    "redis": scenario_redis,
    "postgres": scenario_postgres,
}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--users", type=int, default=12)
    parser.add_argument("--outage", type=float, default=5.0, help="seconds the fault lasts")
    args = parser.parse_args()
    results = {}
    for name in args.scenarios.split(","):
        print(f"== {name}", flush=True)
        saved_env = dict(os.environ)
        try:
            results[name] = await SCENARIOS[name](args.users, args.outage)
        finally:
            os.environ.clear()
            os.environ.update(saved_env)
        print(json.dumps(results[name], indent=1), flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "faults.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    asyncio.run(main())
