"""Run a write on the node before anyone signs or sends it, and read what it would do.

Three ways, best first, detected once per server (the first answer a node gives to a method
tells whether it has it):
- ``eth_simulateV1`` with ``traceTransfers``: the call's logs, with native transfers as logs of
  the 0xEeee… pseudo-token (Anvil, geth, reth, the large providers);
- ``debug_traceCall`` with the call tracer and its logs: logs and value transfers of every frame
  that did not revert, and the contracts created;
- ``eth_call``: only whether it would revert ("partly" checked: what it moves stays unknown).

A node that fails, times out or answers something unreadable gives an "unchecked" Simulation:
the policy then says it could not verify the write, never that it is allowed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from eth_utils import to_checksum_address
from web3.exceptions import ContractLogicError, Web3Exception

from mcp_servers.chain import Chain
from mcp_servers.errors import revert_reason
from mcp_servers.reverts import decode_revert
from mcp_servers.topics import TRANSFER_TOPIC, address_topic

logger = logging.getLogger(__name__)

SIMULATE_V1 = "eth_simulateV1"
TRACE_CALL = "debug_traceCall"
ETH_CALL = "eth_call"
NATIVE_PSEUDO_TOKEN = "0xeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
MISSING_METHOD_CODES = (-32601, -32004)  # method not found / not supported
MISSING_METHOD_WORDS = ("not found", "not supported", "unsupported", "does not exist", "unknown")

SIMULATED, PARTLY, UNCHECKED = "simulated", "partly", "unchecked"
CHECKED_TEXT = {
    SIMULATED: "Simulated on the network: these are the changes it would make.",
    PARTLY: "Only partly checked: the transaction would not fail, but what it moves could "
    "not be seen on this network.",
    UNCHECKED: "Could not be checked: the network did not answer the simulation.",
}


@dataclass(frozen=True)
class Log:
    address: str  # lower-case hex
    topics: tuple[str, ...]  # 0x-prefixed, lower-case
    data: bytes


@dataclass
class Simulation:
    checked: str  # simulated, partly, unchecked
    method: str = ""
    reverted: bool = False
    revert_reason: str | None = None
    logs: list[Log] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    gas_used: int | None = None
    gas_each: list[int] = field(default_factory=list)  # eth_simulateV1: per call, in order

    @property
    def text(self) -> str:
        return CHECKED_TEXT[self.checked]

    @property
    def effects_known(self) -> bool:
        return self.checked == SIMULATED


class MethodMissing(Exception):
    """The node does not have this simulation method."""


class Unreadable(Exception):
    """The node answered, but not in the shape the method promises."""


async def simulate(
    chain: Chain, tx: dict[str, Any], before: Sequence[dict[str, Any]] = ()
) -> Simulation:
    """What ``tx`` would do, by the best method the node has, within SIMULATION_TIMEOUT.

    ``before``: writes that run first in the same block (an approval before a swap); only
    eth_simulateV1 runs a sequence, so without it such a write is "unchecked". The Simulation
    then holds the effects of them all, and ``gas_each`` the gas each one used."""
    try:
        async with asyncio.timeout(settings.SIMULATION_TIMEOUT):
            if before:
                return await _simulate_sequence(chain, [*before, tx])
            return await _simulate(chain, tx)
    except (TimeoutError, Unreadable, Web3Exception, OSError, ValueError, KeyError) as exc:
        logger.warning("simulation on %s failed: %s", chain.name, type(exc).__name__)
        return Simulation(UNCHECKED)


async def _simulate(chain: Chain, tx: dict[str, Any]) -> Simulation:
    await chain.ready()
    methods = (SIMULATE_V1, TRACE_CALL, ETH_CALL)
    known = chain.cache.get("simulation_method")
    for method in methods[methods.index(known) :] if known else methods:
        if method == SIMULATE_V1 and not tx.get("to"):
            continue  # Anvil builds no simulated call without a recipient: deployments trace
        try:
            result = await RUNNERS[method](chain, tx)
        except MethodMissing:
            continue
        if tx.get("to"):
            chain.cache["simulation_method"] = method
        return result
    raise Unreadable("no simulation method answered")


async def _simulate_sequence(chain: Chain, txs: list[dict[str, Any]]) -> Simulation:
    await chain.ready()
    if chain.cache.get("simulation_method", SIMULATE_V1) != SIMULATE_V1:
        return Simulation(UNCHECKED)
    try:
        return await by_simulate_v1(chain, *txs)
    except MethodMissing:
        return Simulation(UNCHECKED)


async def request(chain: Chain, method: str, params: list[Any]) -> Any:
    answer = await chain.w3.provider.make_request(method, params)
    if not isinstance(answer, dict):
        raise Unreadable(method)
    error = answer.get("error")
    if error is not None:
        code = error.get("code") if isinstance(error, dict) else None
        message = str(error.get("message", "")).lower() if isinstance(error, dict) else ""
        if code in MISSING_METHOD_CODES or (
            method in message and any(word in message for word in MISSING_METHOD_WORDS)
        ):
            raise MethodMissing(method)
        raise Unreadable(f"{method}: {code}")
    return answer.get("result")


def call_object(tx: dict[str, Any]) -> dict[str, Any]:
    call = {"from": tx["from"], "value": hex(tx["value"]), "input": tx["data"]}
    if tx.get("to"):
        call["to"] = tx["to"]
    return call


async def by_simulate_v1(chain: Chain, *txs: dict[str, Any]) -> Simulation:
    """The calls in order in one simulated block; the first that reverts ends it."""
    calls = [call_object(tx) for tx in txs]
    payload = {"blockStateCalls": [{"calls": calls}], "traceTransfers": True}
    result = await request(chain, SIMULATE_V1, [payload, "latest"])
    simulation = Simulation(SIMULATED, SIMULATE_V1)
    try:
        for call in result[0]["calls"][: len(txs)]:
            if int(call["status"], 16) != 1:
                error = call.get("error") or {}
                raw = hex_bytes(error.get("data") or call.get("returnData") or "0x")
                return Simulation(SIMULATED, SIMULATE_V1, True, decode_revert(raw) or None)
            simulation.logs += [read_log(entry) for entry in call.get("logs") or []]
            simulation.gas_each.append(int(call["gasUsed"], 16))
    except (TypeError, KeyError, IndexError, ValueError) as exc:
        raise Unreadable(SIMULATE_V1) from exc
    if len(simulation.gas_each) != len(txs):
        raise Unreadable(SIMULATE_V1)
    simulation.gas_used = simulation.gas_each[-1]
    return simulation


async def by_trace_call(chain: Chain, tx: dict[str, Any]) -> Simulation:
    tracer = {"tracer": "callTracer", "tracerConfig": {"withLog": True}}
    frame = await request(chain, TRACE_CALL, [call_object(tx), "latest", tracer])
    if not isinstance(frame, dict) or "type" not in frame:
        raise Unreadable(TRACE_CALL)
    if frame.get("error"):
        raw = hex_bytes(frame.get("output") or "0x")
        return Simulation(SIMULATED, TRACE_CALL, True, decode_revert(raw) or frame.get("error"))
    simulation = Simulation(SIMULATED, TRACE_CALL, gas_used=int(frame.get("gasUsed", "0x0"), 16))
    try:
        walk(frame, simulation)
    except (TypeError, KeyError, ValueError) as exc:
        raise Unreadable(TRACE_CALL) from exc
    return simulation


def walk(frame: dict[str, Any], simulation: Simulation) -> None:
    """Logs and value transfers of every frame that did not revert, in order."""
    if frame.get("error"):
        return  # a reverted frame changes nothing, nor do its children
    kind = str(frame.get("type", "")).upper()
    value = int(frame.get("value") or "0x0", 16)
    if kind in ("CREATE", "CREATE2") and frame.get("to"):
        simulation.created.append(to_checksum_address(frame["to"]))
    if value and kind in ("CALL", "CREATE", "CREATE2", "SELFDESTRUCT"):
        simulation.logs.append(native_log(frame["from"], frame["to"], value))
    for entry in frame.get("logs") or []:
        simulation.logs.append(read_log(entry))
    for child in frame.get("calls") or []:
        walk(child, simulation)


async def by_eth_call(chain: Chain, tx: dict[str, Any]) -> Simulation:
    call = {k: v for k, v in call_object(tx).items() if k != "input"} | {"data": tx["data"]}
    try:
        await chain.w3.eth.call(call)  # type: ignore[arg-type]
    except ContractLogicError as exc:
        raw = hex_bytes(exc.data if isinstance(exc.data, str) else "0x")
        return Simulation(PARTLY, ETH_CALL, True, decode_revert(raw) or revert_reason(exc))
    return Simulation(PARTLY, ETH_CALL)


RUNNERS: dict[str, Callable[[Chain, dict[str, Any]], Awaitable[Simulation]]] = {
    SIMULATE_V1: by_simulate_v1,
    TRACE_CALL: by_trace_call,
    ETH_CALL: by_eth_call,
}


def read_log(entry: dict[str, Any]) -> Log:
    topics = tuple(str(topic).lower() for topic in entry["topics"])
    return Log(str(entry["address"]).lower(), topics, hex_bytes(entry.get("data") or "0x"))


def native_log(sender: str, recipient: str, value: int) -> Log:
    topics = (TRANSFER_TOPIC, address_topic(sender), address_topic(recipient))
    return Log(NATIVE_PSEUDO_TOKEN, topics, value.to_bytes(32, "big"))


def hex_bytes(text: Any) -> bytes:
    body = str(text).removeprefix("0x")
    try:
        return bytes.fromhex(body)
    except ValueError:
        raise Unreadable("not hex") from None
