"""The system prompt of the model providers: role, the turn's network, accounts, wallet rule,
and the rule the builtin agent follows too: refuse what the tools can't do, naming the part
that can't be done, and name the network of every answer. The tool descriptions carry the rule
as well (tool_description), so a model that reads only the tools still meets it."""

from __future__ import annotations

from chatproject.lib.networks import DEV_ACCOUNT_NAMES, Network

REFUSAL_RULE = (
    "Refuse what your tools can't do. Account for every part of the request (a token, an "
    "amount, a network, a date, a price, a follow-up step): if no tool can do a part of it, "
    'say plainly which part and why (e.g. "I can\'t bridge ETH: no tool does that"), and '
    "never answer a nearby question instead (the ETH balance when USDC was asked). Do not "
    "call a tool that changes a chain when any part of the request is unclear or impossible."
)
TOOL_RULE = (
    " Acts on {network} only: name {network} with its result. If it can't do what the user "
    "asked, say so instead of approximating."
)
MAX_DESCRIPTION = 1024  # what both model APIs accept


def tool_description(description: str, network: str) -> str:
    """A tool's own description with the rule appended (the rule is never cut off)."""
    rule = TOOL_RULE.format(network=network)
    return description[: MAX_DESCRIPTION - len(rule)].rstrip() + rule


def system_prompt(network: Network, wallet: str | None = None) -> str:
    lines = [
        "You are the assistant of a web chat that helps people work with EVM blockchains.",
        f"This turn runs on the {network.name} network (chain id {network.chain_id}, native "
        f"currency {network.currency}). Use only the tools given to you; each one acts on "
        f"{network.name}.",
        "Report real results only: quote the tools' answers, never invent balances, hashes or "
        "blocks, and say plainly when a tool fails and why.",
        REFUSAL_RULE,
        "Prices are in US dollars, with their source (get_token_price; get_portfolio values a "
        "portfolio). Quote a swap (quote_swap) when asked what it would give; amounts are in the "
        'token\'s own units ("1.5"); pass a slippage only when the user gives one; a swap is '
        + ("send_swap, from a named account." if network.dev else "prepare_swap, for the wallet."),
        f"Name the network in every answer: say that each result is from {network.name}. "
        f"If the user asks about another network, say that this turn runs on {network.name} "
        "and that they can pick the other network in the page; never answer from "
        f"{network.name} as if it were another network.",
    ]
    if network.dev:
        names = ", ".join(DEV_ACCOUNT_NAMES)
        lines.append(
            f"This is a dev network: the named accounts {names} are the node's unlocked "
            "accounts 0, 1, 2, ...; send_transaction signs with them."
        )
    else:
        lines.append(
            "Writes on this network go through the user's own browser wallet: call "
            "prepare_transaction; the page then shows the user a card to approve or reject, "
            "and approving asks their wallet. Tell them to answer the card below, not to "
            "confirm in the wallet separately. Never ask for keys."
        )
        lines.append(
            f"The user's connected wallet is {wallet}." if wallet else "No wallet is connected."
        )
    lines.append(
        "Answer briefly, in plain English, with markdown where it helps. Use the person's words: "
        "never name a tool, a setting or an environment variable, and give amounts in the "
        "token's own units (wei or base units only when asked)."
    )
    return "\n".join(lines)
