"""Why a call would revert, in words: Error(string), Panic(uint256) and known custom errors."""

from __future__ import annotations

import eth_abi
from eth_abi.exceptions import DecodingError
from eth_utils import keccak

ERROR_SELECTOR = keccak(text="Error(string)")[:4]
PANIC_SELECTOR = keccak(text="Panic(uint256)")[:4]
PANIC_CODES = {
    0x01: "an assertion failed",
    0x11: "an arithmetic overflow or underflow",
    0x12: "division or modulo by zero",
    0x21: "an invalid enum value",
    0x22: "a badly encoded storage byte array",
    0x31: "pop() on an empty array",
    0x32: "an array index out of bounds",
    0x41: "too much memory allocated",
    0x51: "a call to an uninitialised function",
}
# Custom errors of the standards' reference implementations (OpenZeppelin 5, Permit2, Seaport).
KNOWN_ERRORS = (
    "ERC20InsufficientBalance(address,uint256,uint256)",
    "ERC20InvalidSender(address)",
    "ERC20InvalidReceiver(address)",
    "ERC20InsufficientAllowance(address,uint256,uint256)",
    "ERC20InvalidApprover(address)",
    "ERC20InvalidSpender(address)",
    "ERC2612ExpiredSignature(uint256)",
    "ERC2612InvalidSigner(address,address)",
    "ERC721InvalidOwner(address)",
    "ERC721NonexistentToken(uint256)",
    "ERC721IncorrectOwner(address,uint256,address)",
    "ERC721InvalidSender(address)",
    "ERC721InvalidReceiver(address)",
    "ERC721InsufficientApproval(address,uint256)",
    "ERC721InvalidApprover(address)",
    "ERC721InvalidOperator(address)",
    "ERC1155InsufficientBalance(address,uint256,uint256,uint256)",
    "ERC1155InvalidSender(address)",
    "ERC1155InvalidReceiver(address)",
    "ERC1155MissingApprovalForAll(address,address)",
    "ERC1155InvalidApprover(address)",
    "ERC1155InvalidOperator(address)",
    "ERC1155InvalidArrayLength(uint256,uint256)",
    "OwnableUnauthorizedAccount(address)",
    "OwnableInvalidOwner(address)",
    "AccessControlUnauthorizedAccount(address,bytes32)",
    "EnforcedPause()",
    "ReentrancyGuardReentrantCall()",
    "SafeERC20FailedOperation(address)",
    "AddressEmptyCode(address)",
    "FailedCall()",
    "InsufficientBalance(uint256,uint256)",
    "AllowanceExpired(uint256)",
    "InsufficientAllowance(uint256)",
    "ExcessiveInvalidation()",
    "InvalidNonce()",
    "SignatureExpired(uint256)",
    "InvalidSignature()",
    "InvalidSigner()",
    "InvalidAmount(uint256)",
    "LengthMismatch()",
)


def parse_error(signature: str) -> tuple[bytes, str, list[str]]:
    name, _, rest = signature.partition("(")
    types = [t for t in rest.rstrip(")").split(",") if t]
    return keccak(text=signature)[:4], name, types


ERRORS_BY_SELECTOR = {
    selector: (name, types) for selector, name, types in map(parse_error, KNOWN_ERRORS)
}


def decode_revert(data: bytes) -> str:
    """The reason a person reads; "" when the call gave no data."""
    if len(data) < 4:
        return ""
    selector, body = data[:4], data[4:]
    try:
        if selector == ERROR_SELECTOR:
            return str(eth_abi.decode(["string"], body)[0])
        if selector == PANIC_SELECTOR:
            code = int(eth_abi.decode(["uint256"], body)[0])
            return f"panic: {PANIC_CODES.get(code, f'code {code:#x}')}"
        if selector in ERRORS_BY_SELECTOR:
            name, types = ERRORS_BY_SELECTOR[selector]
            values = eth_abi.decode(types, body)
            return f"{name}({', '.join(shown(value) for value in values)})"
    except (DecodingError, ValueError, OverflowError):
        pass
    return f"custom error 0x{selector.hex()} (not a known error)"


def shown(value: object) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return str(value)
