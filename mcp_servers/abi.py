"""Human function signatures to calldata and back, e.g. `balanceOf(address)(uint256)`.

Arguments arrive as JSON values (numbers may be decimal or hex strings, bytes are hex);
they are coerced to what eth_abi expects, recursively through arrays and tuples.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import eth_abi
from eth_abi.exceptions import ABITypeError, DecodingError, EncodingError, ParseError
from eth_abi.grammar import ABIType, BasicType, TupleType, normalize, parse
from eth_utils import keccak

from mcp_servers.errors import ToolFailure

NAME_RE = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
ResolveAddress = Callable[[str], Awaitable[str]]


@dataclass(frozen=True)
class FunctionSignature:
    name: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...] | None  # None: the signature gave no return types

    @property
    def canonical(self) -> str:
        return f"{self.name}({','.join(self.inputs)})"

    @property
    def selector(self) -> bytes:
        return keccak(text=self.canonical)[:4]


def split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside parentheses."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += (char == "(") - (char == ")")
        if depth < 0:
            raise ToolFailure("The signature has unbalanced parentheses.")
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    if depth:
        raise ToolFailure("The signature has unbalanced parentheses.")
    return [*parts, current] if (parts or current.strip()) else []


def matching_paren(text: str, start: int) -> int:
    depth = 0
    for index in range(start, len(text)):
        depth += (text[index] == "(") - (text[index] == ")")
        if depth == 0:
            return index
    raise ToolFailure("The signature has unbalanced parentheses.")


def clean_type(text: str) -> str:
    """Drop parameter names and data locations ("address owner" -> "address"), canonicalise."""
    text = text.strip().removeprefix("tuple").strip()
    if text.startswith("("):
        end = matching_paren(text, 0)
        inner = ",".join(clean_type(part) for part in split_top_level(text[1:end]))
        suffix = text[end + 1 :].strip().split(" ")[0]
        text = f"({inner}){suffix}"
    else:
        text = text.split()[0] if text.split() else ""
    try:
        parsed = parse(normalize(text))
        parsed.validate()
    except (ParseError, ABITypeError, ValueError):
        raise ToolFailure(
            "A type given is not a Solidity ABI type (e.g. address, uint256)."
        ) from None
    return parsed.to_type_str()


def parse_signature(signature: str) -> FunctionSignature:
    """`transfer(address,uint256)`, `balanceOf(address)(uint256)`, or `... returns (uint256)`."""
    text = " ".join(signature.strip().split()).removeprefix("function ").strip()
    open_at = text.find("(")
    name = text[:open_at].strip() if open_at > 0 else ""
    if not NAME_RE.match(name):
        raise ToolFailure(
            "That is not a function signature; write it like balanceOf(address)(uint256)."
        )
    close_at = matching_paren(text, open_at)
    inputs = tuple(clean_type(part) for part in split_top_level(text[open_at + 1 : close_at]))
    rest = text[close_at + 1 :].strip()
    for word in ("external", "public", "view", "pure", "payable", "returns"):
        rest = " ".join(token for token in rest.split(" ") if token != word).strip()
    outputs = None
    if rest:
        if not rest.startswith("(") or matching_paren(rest, 0) != len(rest) - 1:
            raise ToolFailure("Could not read the return types of the function signature.")
        outputs = tuple(clean_type(part) for part in split_top_level(rest[1:-1]))
    return FunctionSignature(name, inputs, outputs)


async def coerce(abi_type: ABIType, value: Any, resolve: ResolveAddress, where: str) -> Any:
    """A JSON value -> the Python value eth_abi encodes for ``abi_type``."""
    if abi_type.is_array:
        if not isinstance(value, list | tuple):
            raise ToolFailure(f"{where} must be a list for type {abi_type.to_type_str()}.")
        size = abi_type.arrlist[-1]
        if size and len(value) != size[0]:
            raise ToolFailure(f"{where} must have exactly {size[0]} items.")
        item = abi_type.item_type
        return [await coerce(item, v, resolve, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(abi_type, TupleType):
        if not isinstance(value, list | tuple) or len(value) != len(abi_type.components):
            raise ToolFailure(f"{where} must be a list of {len(abi_type.components)} values.")
        parts = zip(abi_type.components, value, strict=True)
        return tuple(
            [await coerce(t, v, resolve, f"{where}.{i}") for i, (t, v) in enumerate(parts)]
        )
    assert isinstance(abi_type, BasicType)
    return await coerce_basic(abi_type, value, resolve, where)


async def coerce_basic(abi_type: BasicType, value: Any, resolve: ResolveAddress, where: str) -> Any:
    base = abi_type.base
    if base == "address":
        if not isinstance(value, str):
            raise ToolFailure(f"{where} must be an address string.")
        return await resolve(value)
    if base in ("uint", "int"):
        return to_integer(value, where)
    if base == "bool":
        return to_bool(value, where)
    if base == "string":
        if not isinstance(value, str):
            raise ToolFailure(f"{where} must be a string.")
        return value
    if base == "bytes":
        raw = to_bytes(value, where)
        size = int(abi_type.sub) if abi_type.sub else None
        if size is not None and len(raw) > size:
            raise ToolFailure(f"{where} has {len(raw)} bytes; bytes{size} holds at most {size}.")
        return raw.ljust(size, b"\0") if size else raw
    raise ToolFailure(f"The type {abi_type.to_type_str()} is not supported.")


def to_integer(value: Any, where: str) -> int:
    if isinstance(value, bool):
        raise ToolFailure(f"{where} must be an integer, not a boolean.")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip().replace("_", "")
        try:
            return int(text, 16) if text.lower().startswith(("0x", "-0x")) else int(text)
        except ValueError:
            pass
    raise ToolFailure(f"{where} must be an integer (a number or a decimal/0x string).")


def to_bool(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ToolFailure(f"{where} must be true or false.")


def to_bytes(value: Any, where: str) -> bytes:
    text = value.strip() if isinstance(value, str) else ""
    if text.startswith("0x") and len(text) % 2 == 0:
        try:
            return bytes.fromhex(text[2:])
        except ValueError:
            pass
    raise ToolFailure(f"{where} must be 0x-prefixed hex with an even number of digits.")


async def encode_call(
    signature: FunctionSignature, args: list[Any], resolve: ResolveAddress
) -> str:
    """Selector + ABI-encoded arguments, as 0x hex."""
    if len(args) != len(signature.inputs):
        raise ToolFailure(
            f"{signature.canonical} takes {len(signature.inputs)} argument"
            f"{'' if len(signature.inputs) == 1 else 's'}, but {len(args)} were given."
        )
    values = [
        await coerce(parse(type_str), value, resolve, f"Argument {index + 1} ({type_str})")
        for index, (type_str, value) in enumerate(zip(signature.inputs, args, strict=True))
    ]
    try:
        encoded = eth_abi.encode(list(signature.inputs), values)
    except (EncodingError, ValueError, TypeError, OverflowError):
        # eth_abi's message quotes the value: the type and the position are enough.
        raise ToolFailure(
            f"The arguments do not fit {signature.canonical}: a value is out of range or "
            "not of its type."
        ) from None
    return "0x" + (signature.selector + encoded).hex()


def decode_output(types: tuple[str, ...], data: bytes) -> list[Any]:
    try:
        return list(eth_abi.decode(list(types), data))
    except (DecodingError, ValueError, OverflowError):
        raise ToolFailure(
            f"The call returned {len(data)} bytes, which do not decode as ({','.join(types)}); "
            "check the return types (or the address: it may not be that contract)."
        ) from None
