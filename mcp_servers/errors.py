"""Errors a person can read: every tool failure becomes one sentence, never a stack trace.

RPC URLs often carry API keys, and providers quote the bare key in their error texts, so every
text that may quote one goes through `scrub` (chatproject.lib.redact: every secret value).
"""

from __future__ import annotations

import asyncio
import json
import logging

import aiohttp
from pydantic import ValidationError
from web3.exceptions import (
    BadResponseFormat,
    BlockNotFound,
    ContractLogicError,
    TimeExhausted,
    TransactionNotFound,
    Web3Exception,
    Web3RPCError,
)

from chatproject.lib.redact import redact, url_secrets

logger = logging.getLogger(__name__)


class ToolFailure(Exception):
    """A failure whose message is already a sentence fit for the user."""


def secret_fragments(url: str) -> list[str]:
    """The parts of a URL that may carry a key (its query values, userinfo, key-like path)."""
    return url_secrets(url)


def scrub(text: str, secrets: list[str]) -> str:
    """``text`` without any of ``secrets`` nor any secret value of the settings."""
    return redact(text, secrets)


def describe_validation_error(
    tool: str, exc: ValidationError, descriptions: dict[str, str] | None = None
) -> str:
    """One clause per argument; an argument that failed every branch of a union (several
    errors) is explained by its field description instead of by each branch."""
    by_field: dict[str, list[str]] = {}
    for error in exc.errors(include_url=False, include_input=False):
        field = str(error["loc"][0]) if error["loc"] else "arguments"
        by_field.setdefault(field, []).append(str(error["msg"]))
    problems = []
    for field, messages in by_field.items():
        hint = (descriptions or {}).get(field)
        if len(messages) > 1 and hint:
            problems.append(f"{field}: not valid ({hint.rstrip('.')})")
        else:
            problems.append(f"{field}: {messages[0]}")
    return f"Invalid arguments for {tool}: " + "; ".join(problems) + "."


def describe_error(exc: BaseException, network: str, timeout: float, secrets: list[str]) -> str:
    """One sentence for a failed tool call; unexpected errors are logged (scrubbed), not shown."""
    if isinstance(exc, ToolFailure):
        return scrub(str(exc), secrets)
    if isinstance(
        exc, TimeoutError | asyncio.TimeoutError | TimeExhausted | aiohttp.ServerTimeoutError
    ):
        return f"The {network} RPC node did not answer within {timeout:g} s; try again later."
    if isinstance(exc, aiohttp.ClientResponseError):
        return f"The {network} RPC node answered with HTTP status {exc.status}."
    if isinstance(exc, aiohttp.ClientError | ConnectionError | OSError):
        return f"The {network} RPC node could not be reached; check that it is running."
    if isinstance(exc, json.JSONDecodeError | BadResponseFormat):
        # web3 quotes the whole answer; an RPC that answers HTML or nonsense gets one sentence.
        return f"The {network} RPC node answered something that is not a JSON-RPC response."
    if isinstance(exc, ContractLogicError):
        return f"The contract call reverted: {revert_reason(exc)}."
    if isinstance(exc, TransactionNotFound | BlockNotFound):
        return scrub(str(exc), secrets).rstrip(".") + "."
    if isinstance(exc, Web3RPCError):
        return f"The {network} RPC node refused the request: {rpc_message(exc, secrets)}."
    if isinstance(exc, Web3Exception | ValueError | TypeError):
        return scrub(str(exc), secrets).rstrip(".") + "."
    logger.error("Unexpected tool failure: %s", scrub(repr(exc), secrets))
    return "Something unexpected went wrong; the details are in the server log."


def rpc_message(exc: Web3RPCError, secrets: list[str]) -> str:
    response = getattr(exc, "rpc_response", None) or {}
    error = response.get("error") if isinstance(response, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    return scrub(str(message or exc.message or exc), secrets).rstrip(".")


def revert_reason(exc: ContractLogicError) -> str:
    message = str(exc.message or exc.args[0] if exc.args else exc)
    message = message.removeprefix("execution reverted: ").removeprefix("execution reverted")
    return message.strip(" :") or "no reason given"
