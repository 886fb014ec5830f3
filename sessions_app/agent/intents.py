"""Everything the builtin agent understands, one entry per intent: its phrasings, how its words
become arguments (arguments.py), the tool it calls and with what (calls.py), its line in the
help and its example on the empty chat page.

The parser (reading.py), the steps' runs (builtin.py), the help, the page's example prompts and
bench/agent_phrasebook.py all read INTENTS; nothing else lists intents. To add one, add an
entry (docs/agent.md). Order matters: when two phrasings leave as few words unplaced, the
earlier one wins.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chatproject.lib.networks import Network
from sessions_app.agent import arguments, calls
from sessions_app.agent.arguments import Builder, Step
from sessions_app.agent.context import TurnContext

Wording = Callable[[Network], str]  # a help line or an example, as said on this network
ToolChoice = Callable[[dict[str, Any], Network], str]  # the tool a step calls (pure)
Answer = Callable[[TurnContext, Step, calls.Call], str]


def _silent(network: Network) -> str:
    return ""


@dataclass(frozen=True)
class Intent:
    """One thing the builtin agent understands: how it is said, read, run, helped and shown."""

    name: str
    phrasings: tuple[str, ...]  # regular expressions, matched from every word (reading.py)
    build: Builder = arguments.parts  # the matched words -> the step's checked arguments
    tool: ToolChoice | None = None
    arguments: calls.ToolArguments = calls.nothing  # what the tool is sent
    answer: Answer = calls.said
    acts: bool = False  # sends or signs: off a dev network the wallet's card answers it
    reply: Wording | None = None  # answered without a tool (help)
    help: Wording = _silent  # its line in the help, "" for none
    example: Wording = _silent  # its button on the empty chat page, "" for none
    fallback: bool = False  # tried only when no other phrasing matched at all
    at_block: bool = False  # reads state, so "… at block 5" applies
    in_wei: bool = False  # a native balance, so "… in wei" applies
    patterns: tuple[re.Pattern[str], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        compiled = tuple(re.compile(p, re.IGNORECASE) for p in self.phrasings)
        object.__setattr__(self, "patterns", compiled)

    async def run(self, ctx: TurnContext, step: Step) -> str:
        """The step on ctx.network: the sentence to show, or calls.StepFailed."""
        if self.reply is not None:
            return self.reply(ctx.network)
        if self.tool is None:  # send_incomplete: its builder always refuses, so it never runs
            raise calls.StepFailed("I can't run that request.")
        sent = await self.arguments(ctx, step)  # may move the turn to the transaction's network
        tool = self.tool(step.args, ctx.network)
        done = calls.Call(tool, sent, await calls.call(ctx, tool, sent))
        if self.acts and not ctx.network.dev:
            return done.outcome.text  # it ends with the one thing to do: answer the card below
        return self.answer(ctx, step, done)


def one(tool: str) -> ToolChoice:
    return lambda args, network: tool


def signed(dev_tool: str, wallet_tool: str) -> ToolChoice:
    """A dev account signs on a dev network; elsewhere the person's wallet (a prepare_* tool)."""
    return lambda args, network: dev_tool if network.dev else wallet_tool


def _send_tool(args: dict[str, Any], network: Network) -> str:
    if "token" in args:
        return signed("send_token_transfer", "prepare_token_transfer")(args, network)
    return signed("send_transaction", "prepare_transaction")(args, network)


def always(text: str) -> Wording:
    return lambda network: text


def on_dev(text: str) -> Wording:
    """Said on a dev network only (alice, bob, … exist there alone)."""
    return lambda network: text if network.dev else ""


def on_live(text: str) -> Wording:
    return lambda network: "" if network.dev else text


def _token(network: Network) -> str:
    """The token of the help's examples: testnet tokens are named by their address."""
    return "0x…token" if network.dev else "USDC"


def _owner(network: Network) -> str:
    return " from alice" if network.dev else ""


def _spender(network: Network) -> str:
    return "bob" if network.dev else "0x…"


def help_text(network: Network) -> str:
    """Each intent's line on ``network``: what reads first, then what sends or signs."""
    listed = sorted(INTENTS, key=lambda intent: intent.acts)  # stable: the registry's order
    lines = [f"On **{network.name}** (chain id {network.chain_id}) I understand:"]
    lines += [f"- {line}" for line in (intent.help(network) for intent in listed) if line]
    if not network.dev:
        lines.append(
            "- what I send, swap, approve, revoke or sign here, your wallet signs: connect it"
        )
    lines.append(
        "- add *on mainnet*, *on polygon*, … to ask another network; join requests with *and then*."
    )
    return "\n".join(lines)


def examples(network: Network) -> list[str]:
    """The empty chat page's example prompts for ``network``."""
    return [text for text in (intent.example(network) for intent in INTENTS) if text]


# The parts of phrasings: who or what is named, amounts, units, token symbols.
REF = r"(?:0x\w*|[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)+|[a-z][a-z'\u2019]*)"
SYM = r"(?:0x\w*|[a-z][\w.]*)"
LAST_TX = (
    r"(?:that|this|the\s+last|my\s+last|the\s+previous|last|previous|the|it'?s)\s+"
    r"(?:transfer|transaction|tx|txn|payment|send)"
)


def _slot(name: str) -> str:
    """A reference slot, with the words people put before one ("the contract 0x…")."""
    return rf"(?:the\s+)?(?:(?:contract|address|account|wallet|user)\s+)?(?P<{name}>{REF})"


VERB = r"(?:send|transfer|pay|give|move)"
AMOUNT = r"(?P<amount>[-+]?(?:\d[\d.,_]*|\.\d+)|[a-z]\w*(?=\s))"
UNIT = r"(?P<unit>0x\w*|[a-z][\w.]*)"
WHO = _slot("who")
HAVE = r"(?:\s+(?:have|hold|holds|own|owns|got|has))?"
ON_TOKEN = rf"(?:\s+(?:on|for|in|of|at)\s+(?:the\s+)?(?:token\s+|contract\s+)?(?P<sym>{SYM}))?"
APPROVALS = r"(?:token\s+|live\s+|active\s+|open\s+|current\s+)?(?:approvals|allowances)\b"
IN_USD = r"(?:\s+in\s+(?:usd|us\s+dollars|dollars|\$))?"
ONE = r"(?:(?:an?|one|1)\s+)?"  # "price of 1 ETH" is its price
SOLD = rf"{AMOUNT}\s*(?P<unit>{SYM})\s+(?:for|to|into|in)\s+(?P<out>{SYM})"
_SLIP_WORD = r"(?:max(?:imum)?\s+)?slippage(?:\s+tolerance)?"
# "with 1% slippage", "slippage 0.3%", "max slippage of 2 percent": the percent, said either side
SLIPPAGE = (
    rf"(?:\s*,?\s+(?:with\s+|at\s+)?(?:an?\s+)?(?P<lead>{_SLIP_WORD}(?:\s+(?:of|at))?\s+)?"
    rf"(?P<slippage>[-+]?\d*\.?\d+)\s*(?:%|percent|pct)(?(lead)|\s+{_SLIP_WORD}))?"
)
PORTFOLIO = r"(?:token\s+)?(?:portfolio|holdings)"

INTENTS: tuple[Intent, ...] = (
    Intent(
        "help",
        (
            r"^\s*(?:\?+\s*$|(?:help|commands|what\s+can\s+you\s+do|what\s+do\s+you\s+"
            r"understand|how\s+do\s+(?:i|you)\s+use\s+(?:this|you))\b)",
        ),
        reply=help_text,
        example=on_live("What can you do?"),
    ),
    Intent(
        "send",
        (
            rf"\b{VERB}\s+{AMOUNT}\s*{UNIT}?\s+(?:from\s+{_slot('sender')}\s+)?"
            rf"to\s+{_slot('to')}(?:\s+from\s+{_slot('sender2')})?",
            rf"\b{VERB}\s+{_slot('to')}\s+(?P<amount>[-\d.,_]+)\s*{UNIT}?"
            rf"(?:\s+from\s+{_slot('sender')})?",
            rf"(?P<sender>{REF})\s+(?:sends|pays|transfers|gives)\s+{AMOUNT}\s*{UNIT}?"
            rf"\s+to\s+{_slot('to')}",
            rf"(?P<sender>{REF})\s+(?:sends|pays|transfers|gives)\s+{_slot('to')}\s+"
            rf"(?P<amount>[-+]?(?:\d[\d.,_]*|\.\d+))\s*{UNIT}?",
        ),
        build=arguments.send,
        tool=_send_tool,
        arguments=calls.send,
        acts=True,
        help=lambda net: (
            f"*send 1 {net.currency} from alice to bob* (or an amount in wei or gwei), "
            f"*send 1.5 {_token(net)} from alice to bob*"
            if net.dev
            else f"*send 0.1 {net.currency} to 0x…*, *send 5 {_token(net)} to 0x…*"
        ),
        example=lambda net: f"Send 1 {net.currency} from alice to bob" if net.dev else "",
    ),
    Intent(
        "send_incomplete",  # "send eth to bob": says what a send needs
        (rf"\b{VERB}\b",),
        build=arguments.incomplete_send,
        fallback=True,
    ),
    Intent(
        "approve",
        (
            rf"\b(?:approve|allow)\s+{_slot('spender')}\s+to\s+(?:spend|use|move)\s+"
            rf"{AMOUNT}\s*(?P<unit>{SYM})(?:\s+(?:tokens?\s+)?(?:of|from)\s+{_slot('owner')})?",
            rf"\b(?:approve|allow)\s+{AMOUNT}\s*(?P<unit>{SYM})\s+(?:tokens?\s+)?"
            rf"(?:for|to)\s+{_slot('spender')}(?:\s+from\s+{_slot('owner')})?",
            rf"\b(?P<owner>{REF})\s+approves\s+{AMOUNT}\s*(?P<unit>{SYM})\s+(?:for|to)\s+"
            rf"{_slot('spender')}",
        ),
        build=arguments.approve,
        tool=signed("send_token_approval", "prepare_token_approval"),
        arguments=calls.approve,
        acts=True,
        help=lambda net: (
            f"*approve 10 {_token(net)} for {_spender(net)}{_owner(net)}* (or *unlimited*)"
        ),
    ),
    Intent(
        "revoke",  # an approval of 0
        (
            rf"\brevoke\s+(?:the\s+)?(?P<unit>{SYM})\s+(?:approval|allowance)\s+(?:of|for)\s+"
            rf"{_slot('spender')}(?:\s+from\s+{_slot('owner')})?",
        ),
        build=arguments.approve,
        tool=signed("send_token_approval", "prepare_token_approval"),
        arguments=calls.approve,
        acts=True,
        help=lambda net: f"*revoke the {_token(net)} approval for {_spender(net)}{_owner(net)}*",
    ),
    Intent(
        "revoke_spender",
        (
            rf"\brevoke\s+{_slot('spender')}(?:\s+(?:approval|allowance|permission"
            rf"|access))?\s+(?:on|at|in)\s+(?:the\s+)?(?:token\s+|nft\s+|collection\s+)?"
            rf"(?P<unit>{SYM})(?:\s+(?:token\s+)?\#\s*(?P<token_id>\d+))?"
            rf"(?:\s+from\s+{_slot('owner')})?",
        ),
        build=arguments.revoke_spender,
        tool=signed("send_revoke_approval", "prepare_revoke_approval"),
        arguments=calls.revoke_spender,
        acts=True,
        help=lambda net: (
            f"*revoke 0x…spender on {_token(net)}{_owner(net)}* (an allowance or an NFT operator)"
        ),
    ),
    Intent(
        "approvals",
        (
            rf"\bwhat\s+(?:have|has|did)\s+{WHO}\s+approved?\b{ON_TOKEN}",
            rf"(?P<who>{REF})(?:'s|\u2019s|s')?\s+{APPROVALS}{ON_TOKEN}",
            rf"\b{APPROVALS}\s+(?:of|for|by|from|granted\s+by|given\s+by)\s+{WHO}{ON_TOKEN}",
        ),
        build=arguments.approvals,
        tool=one("get_approvals"),
        arguments=calls.approvals,
        help=always(
            "*what have I approved?*, *what has 0x… approved?* (the approvals still standing, "
            "from the recent blocks)"
        ),
    ),
    Intent(
        "allowance",
        (
            rf"\ballowance\s+(?:of|for)\s+{_slot('spender')}\s+(?:for|on|in|of)\s+"
            rf"(?:the\s+)?(?:token\s+)?(?P<sym>{SYM})\s+(?:from|by|of)\s+{_slot('owner')}",
            rf"\b(?P<sym>{SYM})\s+allowance\s+(?:of|from|by)\s+{_slot('owner')}\s+"
            rf"(?:for|to)\s+{_slot('spender')}",
            rf"\bhow\s+much\s+(?P<sym>{SYM})\s+(?:can|may)\s+{_slot('spender')}\s+"
            rf"spend\s+(?:of|from|for)\s+{_slot('owner')}",
        ),
        build=arguments.allowance,
        tool=one("get_token_allowance"),
        arguments=calls.allowance,
        help=lambda net: f"*allowance of 0x…spender for {_token(net)} from 0x…owner*",
    ),
    Intent(
        "transfers",
        (
            rf"\b(?:recent\s+|last\s+|latest\s+)?(?:token\s+|(?P<sym>{SYM})\s+)?"
            rf"transfers\s+(?:of|for|by|to|from|involving)\s+{WHO}"
            rf"(?:\s+(?:in|of|for)\s+(?:the\s+)?(?:token\s+)?(?P<sym2>{SYM}))?",
            rf"(?P<who>{REF})(?:'s|\u2019s|s')?\s+(?:recent\s+)?(?:token\s+)?transfers\b",
        ),
        build=arguments.transfers,
        tool=one("get_token_transfers"),
        arguments=calls.transfers,
        help=always("*recent transfers of 0x…* (token and NFT transfers of the last 1000 blocks)"),
    ),
    Intent(
        "nfts",
        (
            rf"\b(?:which|what)\s+nfts?\s+(?:does|do|did)\s+{WHO}\s+(?:own|have|hold)\b"
            rf"(?:\s+(?:in|of|at|from)\s+{_slot('contract')})?",
            rf"\bnfts?\s+(?:of|owned\s+by|held\s+by|for)\s+{WHO}"
            rf"(?:\s+(?:in|of|at|from)\s+{_slot('contract')})?",
            rf"(?P<who>{REF})(?:'s|\u2019s|s')\s+nfts?\b"
            rf"(?:\s+(?:in|of|at|from)\s+{_slot('contract')})?",
        ),
        build=arguments.nfts,
        tool=lambda args, net: "get_nft_balance" if "contract" in args else "get_token_transfers",
        arguments=calls.nfts,
        answer=calls.nfts_held,
        help=always("*NFTs of 0x… in 0x…contract* (I can't list every NFT an address owns)"),
    ),
    Intent(
        "nft_owner",
        (
            rf"\b(?:owner|holder)\s+of\s+(?:nft\s+|token\s+)?(?:id\s+)?\#?(?P<token_id>\d+)"
            rf"\s+(?:of|in|at|on)\s+{_slot('contract')}",
            rf"\bwho\s+(?:owns|holds)\s+(?:nft\s+|token\s+)?(?:id\s+)?\#?(?P<token_id>\d+)"
            rf"\s+(?:of|in|at|on)\s+{_slot('contract')}",
        ),
        build=arguments.nft_owner,
        tool=one("get_nft_owner"),
        arguments=calls.taking("contract", "token_id"),
        help=always("*who owns token 5 of 0x…contract*"),
    ),
    Intent(
        "portfolio",
        (
            rf"\b(?:portfolio|holdings|all\s+balances)\s+(?:of|for)\s+{WHO}",
            rf"(?P<who>{REF})(?:'s|\u2019s|s')?\s+(?:portfolio|holdings)\b",
        ),
        build=arguments.portfolio,
        tool=one("get_portfolio"),
        arguments=calls.portfolio,
        help=always("*portfolio of 0x…* (the network's known tokens)"),
    ),
    Intent(
        "portfolio_value",
        (
            rf"(?P<who>{REF})(?:'s|\u2019s|s')?\s+{PORTFOLIO}(?:\s+(?:is|are))?\s+"
            rf"(?:worth|value|valued)\b{IN_USD}",
            rf"\b(?:(?:total|usd|dollar)\s+)?(?:value|worth)\s+of\s+{WHO}\s+{PORTFOLIO}{IN_USD}",
            rf"\b{PORTFOLIO}\s+(?:value|worth)\s+(?:of|for)\s+{WHO}{IN_USD}",
        ),
        build=arguments.portfolio,
        tool=one("get_portfolio"),
        arguments=calls.portfolio,
        answer=calls.portfolio_worth,
        help=always("*what is 0x…'s portfolio worth?*, *value of my portfolio* (in US dollars)"),
    ),
    Intent(
        "price",
        (
            rf"\b(?:(?:usd|dollar)\s+)?(?:price|value|worth)\s+(?:of|for)\s+{ONE}(?P<sym>{SYM})"
            rf"(?:\s+token)?{IN_USD}",
            rf"\b(?P<sym>{SYM})(?:\s+token)?\s+(?:(?:usd|dollar)\s+)?price\b{IN_USD}",
            rf"\b{ONE}(?P<sym>{SYM})(?:\s+token)?\s+worth\b{IN_USD}",
        ),
        build=arguments.price,
        tool=one("get_token_price"),
        arguments=calls.taking("token"),
        help=lambda net: (
            f"*price of {net.currency}*, *USDC price* (in US dollars, with its source)"
        ),
        example=lambda net: f"Price of {net.currency}",
    ),
    Intent(
        "quote",
        (
            rf"\b(?:swap\s+)?(?:quote|price)\s+(?:(?:for|on)\s+)?(?:(?:a\s+)?swap(?:ping)?\s+"
            rf"(?:of\s+)?)?{SOLD}{SLIPPAGE}",
            rf"\bhow\s+(?:much|many)\s+(?P<out>{SYM})\s+(?:would|will|does|do|can|could)\s+"
            rf"{AMOUNT}\s*(?P<unit>{SYM})\s+(?:get|buy|give)(?:\s+(?:me|us))?{SLIPPAGE}",
            rf"\bhow\s+(?:much|many)\s+(?P<out>{SYM})\s+(?:would|will|do|does|can|could)\s+"
            rf"(?:i|we|you)\s+get\s+(?:for|from|with)\s+{AMOUNT}\s*(?P<unit>{SYM}){SLIPPAGE}",
        ),
        build=arguments.quote,
        tool=one("quote_swap"),
        arguments=calls.taking(*calls.SWAP_KEYS),
        help=lambda net: (
            f"*quote 1 {net.currency} to USDC*, *how much USDC would 1 {net.currency} get me?*"
        ),
    ),
    Intent(
        "swap",
        (
            rf"\b(?:swap|exchange|trade|sell)\s+{SOLD}(?:\s+(?:from|as|using)\s+"
            rf"{_slot('sender')})?{SLIPPAGE}(?:\s+(?:from|as|using)\s+{_slot('sender2')})?",
            rf"(?P<sender>{REF})\s+swaps\s+{SOLD}{SLIPPAGE}",
        ),
        build=arguments.swap,
        tool=signed("send_swap", "prepare_swap"),
        arguments=calls.swap,
        acts=True,
        help=lambda net: (
            f"*swap 1 {net.currency} for USDC{_owner(net)}*, *swap 100 USDC to DAI{_owner(net)} "
            "with 1% slippage* (Uniswap V3)"
        ),
        example=on_dev("Swap 1 ETH for USDC from alice"),
    ),
    Intent(
        "swap_incomplete",  # "swap eth for usdc": says what a swap needs
        (
            rf"\b(?:swap|exchange|trade|quote)\b(?:\s+(?P<amount>[-+]?(?:\d[\d.,_]*|\.\d+)))?"
            rf"(?:\s*(?P<unit>{SYM})(?:\s+(?:for|to|into|in)\s+(?P<out>{SYM}))?)?.*",
        ),
        build=arguments.incomplete_swap,
        fallback=True,
    ),
    Intent(
        "sign",
        (
            rf"\bsign\s+(?:the\s+)?(?:message\s+|text\s+)?[\"'\u201c\u2018]"
            rf"(?P<message>[^\"\u201d\u2019]+?)[\"'\u201d\u2019](?:\s+(?:as|from|with|by|using)"
            rf"\s+{_slot('sender')}(?:'s\s+key)?)?",
        ),
        build=arguments.sign,
        tool=one("sign_message"),
        arguments=calls.sign,
        acts=True,
        help=lambda net: '*sign the message "hi"' + (" as alice*" if net.dev else "*"),
    ),
    Intent(
        "call",
        (
            rf"\bcall\s+(?P<signature>\w+\([^()]*\)(?:\s*(?:returns\s*)?\([^()]*\))?)\s+"
            rf"(?:on|at)\s+{_slot('who')}(?:\s+with\s+(?:args?\s+)?(?P<args>.+?))?\s*$",
        ),
        build=arguments.call,
        tool=one("call_contract"),
        arguments=calls.contract_call,
        at_block=True,
        help=always("*call balanceOf(address)(uint256) on 0x…contract with 0x…holder*"),
    ),
    Intent(
        "receipt",
        (
            r"\breceipt\s+(?:for\s+|of\s+)?(?:(?:the\s+)?(?:transaction|tx|txn)\s+)?"
            r"(?:hash\s+)?(?P<hash>0x\w+)",
            r"(?P<hash>0x\w+)(?:'s)?\s+receipt\b",
            rf"\b(?:its|the|that|this)\s+receipt\b(?:\s+(?:of|for)\s+{LAST_TX})?",
            rf"\breceipt\s+(?:of|for)\s+{LAST_TX}",
            rf"\bdid\s+(?:it|that|{LAST_TX})\s+(?:succeed|work|go\s+through|get\s+mined"
            rf"|confirm|fail)\b|\b(?:status|result)\s+of\s+{LAST_TX}|\bwas\s+(?:it|{LAST_TX})"
            rf"\s+(?:mined|successful|confirmed)",
        ),
        build=arguments.transaction,
        tool=one("get_transaction_receipt"),
        arguments=calls.transaction,
        help=always("*receipt for 0x…hash*, *the receipt of that transfer*"),
    ),
    Intent(
        "transaction",
        (
            r"\b(?:transaction|tx|txn)\s+(?:hash\s+)?(?P<hash>0x\w+)",
            r"(?P<hash>0x[0-9a-f]{64})\b",
            rf"\b{LAST_TX}\b",
        ),
        build=arguments.transaction,
        tool=one("get_transaction"),
        arguments=calls.transaction,
        help=always("*transaction 0x…hash*, *show that transaction*"),
    ),
    Intent(
        "token_balance",
        (
            rf"\b(?:token\s+)?balance\s+(?:of|for)\s+{WHO}\s+(?:in|for|of|at)\s+"
            rf"(?:(?:the\s+)?token\s+)?(?P<sym>{SYM})",
        ),
        build=arguments.balance,
        tool=lambda args, net: "get_token_balance" if "token" in args else "get_balance",
        arguments=calls.balance,
        at_block=True,
        in_wei=True,
        help=lambda net: f"*balance of 0x… in {_token(net)}*",
    ),
    Intent(
        "balance",
        (
            rf"\bbalances?\s+(?:of|for)\s+{WHO}",
            rf"(?P<who>{REF})(?:'s|\u2019s|s')?\s+balance\b",
            rf"\b(?P<sym>{SYM})\s+balance\s+(?:of|for)\s+{WHO}",
            rf"(?P<who>{REF})(?:'s|\u2019s|s')?\s+(?P<sym>{SYM})\s+balance\b",
            rf"\bhow\s+much\s+(?:(?P<sym>{SYM})\s+)?(?:does|do|did|has|have)\s+{WHO}{HAVE}",
            rf"\bhow\s+many\s+(?P<sym>{SYM})\s+(?:tokens\s+)?(?:does|do|has|have)\s+{WHO}{HAVE}",
            rf"\bhow\s+much\s+(?P<sym>{SYM})\s+(?P<who>{REF})\s+(?:has|holds|owns|got)\b",
            rf"\bwhat\s+does\s+{WHO}\s+(?:have|hold|own)\b",
            rf"\bbalances?\s*:?\s+(?P<who>{REF})",
            rf"\bhow\s+much\s+(?:(?P<sym>{SYM})\s+)?(?:has|have)\s+{WHO}\s+(?:got|gotten)\b",
            rf"\bin\s+(?P<who>{REF})(?:'s|\u2019s|s')?\s+wallet\b",
        ),
        build=arguments.balance,
        tool=lambda args, net: "get_token_balance" if "token" in args else "get_balance",
        arguments=calls.balance,
        at_block=True,
        in_wei=True,
        help=lambda net: (
            "*balance of 0x…* (or an ENS name"
            + (", or alice, bob, …)" if net.dev else ")")
            + ", *my balance* (the wallet connected in the page), *his balance* (the last "
            f"address), *{_token(net)} balance of 0x…*, *how much {_token(net)} does 0x… hold*"
        ),
        example=on_dev("Balance of alice"),
    ),
    Intent(
        "token_info",
        (
            rf"\btoken\s+(?:info|information|details|data)\s+(?:for\s+|of\s+|about\s+"
            rf"|on\s+)?(?P<sym>{SYM})",
            rf"\b(?:what|which)\s+token\s+is\s+(?P<sym>{SYM})",
            rf"\b(?:info|information|details|decimals|total\s+supply|supply)\s+"
            rf"(?:about|on|for|of)\s+(?:the\s+)?(?:token\s+)?(?P<sym>{SYM})(?:\s+token)?",
            rf"\btell\s+me\s+about\s+(?:the\s+)?(?:token\s+)?(?P<sym>{SYM})(?:\s+token)?",
        ),
        build=arguments.token_info,
        tool=one("get_token_info"),
        arguments=calls.taking("token"),
        help=lambda net: f"*token info {_token(net)}*" + ("" if net.dev else " (or 0x…token)"),
    ),
    Intent(
        "code",
        (
            rf"\b(?:code|bytecode)\s+(?:at|of|for)\s+{WHO}",
            rf"\bis\s+{WHO}\s+a\s+(?:smart\s+)?contract\b",
            rf"\bdeployed\s+(?:at|to)\s+{WHO}",
        ),
        build=arguments.who,
        tool=one("get_code"),
        arguments=calls.code,
        at_block=True,
        help=always("*code at 0x…*, *is 0x… a contract?*"),
    ),
    Intent(
        "block",
        (r"\bblock\s+(?:number\s+|no\.?\s*|\#\s*)?(?P<number>\d+)\b",),
        build=arguments.block,
        tool=one("get_block"),
        arguments=calls.block,
        help=always("*block 12*"),
    ),
    Intent(
        "latest_block",
        (r"\b(?:latest|last|newest|most\s+recent)\s+block\b(?!\s+(?:number|height))",),
        tool=one("get_block"),
        arguments=calls.taking(block="latest"),
        help=always("*latest block*"),
        example=always("Latest block"),
    ),
    Intent(
        "block_number",
        (
            r"\bblock\s*(?:number|height)\b|\bcurrent\s+block\b|\bwhat\s+block\b"
            r"|\bchain\s+height\b|\bhow\s+many\s+blocks\b",
        ),
        tool=one("get_block_number"),
        help=always("*block number*"),
    ),
    Intent(
        "gas_price",
        (
            r"\bgas\s+(?:price|prices|cost|fee|fees)\b|\bhow\s+much\s+is\s+gas\b"
            r"|\bprice\s+of\s+gas\b|\bhow\s+(?:expensive|high|cheap)\s+is\s+gas\b|\bbase\s+fee\b",
            r"\bgas\b",
        ),
        tool=one("get_gas_price"),
        help=always("*gas price*"),
        example=always("Gas price"),
    ),
    Intent(
        "network_info",
        (
            r"\bnetwork\s+(?:info|information|details|status)\b"
            r"|\b(?:which|what)\s+(?:network|chain)\b|\bchain\s*id\b",
        ),
        tool=one("get_network_info"),
        help=always("*network info*"),
        example=on_live("Network info"),
    ),
)

BY_NAME: dict[str, Intent] = {intent.name: intent for intent in INTENTS}
