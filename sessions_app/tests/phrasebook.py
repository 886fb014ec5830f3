"""The builtin agent's phrasebook: what people type and what a right answer is.

test_phrasebook_parses.py reads every phrasing with the parser alone (and checks that each
phrasing of every intent reads one of them); test_agent_phrasebook.py runs one phrasing of each
kind of step on a real Anvil and runmcp; bench/agent_phrasebook.py measures precision and
coverage on it (and on a held-out set). ``{token}`` is a TestToken deployed on the testnet by
alice; ``{dead}`` an address with no code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mcp_proxy.availability import REASONS

DEAD = "0x000000000000000000000000000000000000dEaD"
BAD_CHECKSUM = "0xF39fd6e51aad88f6f4ce6ab8827279cfffb92266"  # alice, one letter's case flipped
HASH = "0x" + "ab" * 32
POLYGON_USDC = "0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359"
SERVED = ("testnet", "polygon")  # the phrasebook's networks with MCP servers; the others have none


@dataclass(frozen=True)
class Case:
    text: str
    tools: tuple[str, ...] = ()  # positive: the tools called, in order
    network: str = "testnet"  # ... on this network
    succeeds: bool = True  # ... and whether they succeed
    refusal: str = ""  # negative: the answer names this, and nothing is called
    talk: str = ""  # small talk or help: the answer says this, and nothing is called
    before: str = ""  # sent first in the same chat (follow-ups)

    @property
    def label(self) -> str:
        return self.text if not self.before else f"{self.before} / {self.text}"


def ok(text: str, *tools: str, network: str = "testnet", before: str = "") -> Case:
    return Case(text, tools, network, before=before)


def fails(text: str, *tools: str, network: str = "testnet") -> Case:
    """The right tool is called on the right network, and it fails plainly (e.g. no token)."""
    return Case(text, tools, network, succeeds=False)


def no(text: str, names: str) -> Case:
    return Case(text, refusal=names)


def talk(text: str, says: str) -> Case:
    return Case(text, talk=says)


SENT = "send 1 wei from alice to bob"

POSITIVE: tuple[Case, ...] = (
    # native balances
    ok("What is the balance of alice?", "get_balance"),
    ok("balance of bob", "get_balance"),
    ok("balance for carol", "get_balance"),
    ok("balances of dave", "get_balance"),
    ok("bob's balance please", "get_balance"),
    ok("whats alices balance", "get_balance"),
    ok("bob's eth balance", "get_balance"),
    ok("alice balance", "get_balance"),
    ok("how much ETH does carol have", "get_balance"),
    ok("how much ether does eve hold?", "get_balance"),
    ok("how much does frank have", "get_balance"),
    ok("how much money does grace have", "get_balance"),
    ok("what does heidi have?", "get_balance"),
    ok(f"balance of {DEAD}", "get_balance"),
    ok(f"balance {DEAD}", "get_balance"),
    ok(f"what is the balance of the address {DEAD}", "get_balance"),
    ok(f"{DEAD} balance", "get_balance"),
    ok("can you tell me the ETH balance of ivan", "get_balance"),
    ok("please show me judy's balance", "get_balance"),
    ok("Alice's balance?", "get_balance"),
    ok("check balance of alice", "get_balance"),
    ok("how much eth bob has", "get_balance"),
    ok("how much has carol got", "get_balance"),
    ok("what's in dave's wallet", "get_balance"),
    ok("balance of alice and bob", "get_balance", "get_balance"),
    ok("balance of alice, bob and carol", "get_balance", "get_balance", "get_balance"),
    ok("what's bob's balance and carol's balance", "get_balance", "get_balance"),
    ok(f"balance of {DEAD.lower()}", "get_balance"),
    ok("balance of alice at block 1", "get_balance"),
    ok("what was bob's balance as of block 0", "get_balance"),
    ok("balance of alice and bob at block 1", "get_balance", "get_balance"),
    # blocks, gas, network
    ok("what's the block number?", "get_block_number"),
    ok("block number", "get_block_number"),
    ok("current block", "get_block_number"),
    ok("what block are we at?", "get_block_number"),
    ok("block height please", "get_block_number"),
    ok("how many blocks are there", "get_block_number"),
    ok("show me the latest block", "get_block"),
    ok("latest block", "get_block"),
    ok("the most recent block", "get_block"),
    ok("block 0", "get_block"),
    ok("show block #1", "get_block"),
    ok("get block number 1", "get_block"),
    ok("gas price", "get_gas_price"),
    ok("what's the gas price?", "get_gas_price"),
    ok("current gas fees", "get_gas_price"),
    ok("how much is gas", "get_gas_price"),
    ok("price of gas", "get_gas_price"),
    ok("network info", "get_network_info"),
    ok("which chain is this?", "get_network_info"),
    ok("what network am I on", "get_network_info"),
    ok("chain id", "get_network_info"),
    ok("network status", "get_network_info"),
    ok("block number and gas price", "get_block_number", "get_gas_price"),
    # code and contracts
    ok(f"is {DEAD} a contract?", "get_code"),
    ok("is alice a smart contract", "get_code"),
    ok(f"code at {DEAD}", "get_code"),
    ok("bytecode of {token}", "get_code"),
    ok("what's deployed at {token}", "get_code"),
    ok("call totalSupply()(uint256) on {token}", "call_contract"),
    ok("call balanceOf(address)(uint256) on {token} with alice", "call_contract"),
    # tokens by address on the testnet
    ok("token info for {token}", "get_token_info"),
    ok("what token is {token}?", "get_token_info"),
    ok("info about token {token}", "get_token_info"),
    ok("tell me about {token}", "get_token_info"),
    ok("token balance of alice in {token}", "get_token_balance"),
    ok("balance of bob in {token}", "get_token_balance"),
    ok("how many {token} tokens does alice hold", "get_token_balance"),
    ok("{token} balance of alice", "get_token_balance"),
    # sends on the testnet (dev accounts)
    ok("send 1 wei from alice to bob", "send_transaction"),
    ok("send 0.001 ETH from alice to bob", "send_transaction"),
    ok("transfer 1234 wei from bob to {dead}", "send_transaction"),
    ok("please transfer 250 wei to carol from dave", "send_transaction"),
    ok("pay carol 2 gwei from alice", "send_transaction"),
    ok("send bob 0.01 eth from alice", "send_transaction"),
    ok("give dave 5 wei from bob", "send_transaction"),
    ok("alice pays bob 5 wei", "send_transaction"),
    ok("send 0.5 ether from carol to alice", "send_transaction"),
    ok("move 3 gwei from alice to eve", "send_transaction"),
    ok("send 1 wei from alice to bob on testnet", "send_transaction"),
    ok(f"send 1 wei from alice to {DEAD.lower()}", "send_transaction"),
    # compound requests, in order
    ok("send 1 wei from alice to bob and then tell me bob's balance", "send_transaction",
       "get_balance"),
    ok("send 1 wei from alice to carol, then show her balance", "send_transaction",
       "get_balance"),
    ok("block number; gas price", "get_block_number", "get_gas_price"),
    ok("send 1 wei from alice to dave. Then what's the receipt of that transfer?",
       "send_transaction", "get_transaction_receipt"),
    ok("balance of alice and then the latest block", "get_balance", "get_block"),
    ok("send 2 wei from bob to alice and then its receipt", "send_transaction",
       "get_transaction_receipt"),
    # follow-ups from the stored history
    ok("what was the receipt of that transfer?", "get_transaction_receipt", before=SENT),
    ok("its receipt", "get_transaction_receipt", before=SENT),
    ok("did that transaction go through?", "get_transaction_receipt", before=SENT),
    ok("show that transaction", "get_transaction", before=SENT),
    ok("his balance", "get_balance", before=SENT),
    ok("and what is her balance now?", "get_balance", before="balance of carol"),
    ok("how much does he have", "get_balance", before=SENT),
    # transactions by hash (the hash of a transfer sent first)
    ok("receipt of the last transaction", "get_transaction_receipt", before=SENT),
    # networks named in the message win over the selector
    ok(f"balance of {DEAD} on polygon", "get_balance", network="polygon"),
    ok("gas price on polygon", "get_gas_price", network="polygon"),
    ok("block number on the polygon network", "get_block_number", network="polygon"),
    ok("network info for polygon", "get_network_info", network="polygon"),
    ok(f"on polygon, is {DEAD} a contract?", "get_code", network="polygon"),
    fails(f"USDC balance of {DEAD} on polygon", "get_token_balance", network="polygon"),
    fails(f"how much usdt does {DEAD} hold on polygon", "get_token_balance", network="polygon"),
    fails("token info for DAI on polygon", "get_token_info", network="polygon"),
    # token writes on the testnet (the TestToken by its address; alice holds its supply)
    ok("send 1.5 {token} from alice to bob", "send_token_transfer"),
    ok("transfer 2 {token} to carol from alice", "send_token_transfer"),
    ok("alice sends 0.25 {token} to dave", "send_token_transfer"),
    ok("approve 10 {token} for bob from alice", "send_token_approval"),
    ok("approve unlimited {token} for {dead} from alice", "send_token_approval"),
    ok("allow carol to spend 5 {token} from alice", "send_token_approval"),
    ok("alice approves 5 {token} for carol", "send_token_approval"),
    ok("revoke the {token} approval for {dead} from alice", "send_token_approval"),
    ok("what has alice approved?", "get_approvals"),
    ok("show bob's approvals", "get_approvals"),
    ok("approvals of carol on {token}", "get_approvals"),
    ok("revoke bob on {token} from alice", "send_revoke_approval"),
    # the testnet kit's tokens by symbol (testnet_kit.py: every dev account holds some)
    ok("send 5 USDC from alice to bob", "send_token_transfer"),
    ok("transfer 10 dai from alice to bob", "send_token_transfer"),
    ok("send 1 WETH from alice to carol", "send_token_transfer"),
    ok("what is the USDC balance of alice", "get_token_balance"),
    ok("how much dai does bob hold", "get_token_balance"),
    ok("token info USDC", "get_token_info"),
    ok("allowance of bob for usdc from alice", "get_token_allowance"),
    fails("revoke bob on usdc from alice", "send_revoke_approval"),
    ok("sign the message 'hello world' as alice", "sign_message"),
    ok('please sign "gm" with bob', "sign_message"),
    # token and NFT reads
    ok("allowance of bob for {token} from alice", "get_token_allowance"),
    ok("{token} allowance of alice for carol", "get_token_allowance"),
    ok("how much {token} can bob spend from alice", "get_token_allowance"),
    ok("recent transfers of bob", "get_token_transfers"),
    ok("token transfers of alice", "get_token_transfers"),
    ok("show alice's recent transfers", "get_token_transfers"),
    ok("transfers of alice in {token}", "get_token_transfers"),
    ok("portfolio of alice", "get_portfolio"),
    ok("what are bob's holdings", "get_portfolio"),
    ok("what NFTs does alice own", "get_token_transfers"),
    ok("which nfts does bob hold", "get_token_transfers"),
    ok("show alice's nfts", "get_token_transfers"),
    fails("nfts of alice in {dead}", "get_nft_balance"),
    fails("who owns token 1 of {dead}", "get_nft_owner"),
    fails("owner of token 1 in {dead}", "get_nft_owner"),
    ok(f"portfolio of {DEAD} on polygon", "get_portfolio", network="polygon"),
    # prices, quotes, swaps and a portfolio's value (the testnet kit's pools and feed)
    ok("price of ETH", "get_token_price"),
    ok("what's the price of eth?", "get_token_price"),
    ok("ETH price", "get_token_price"),
    ok("what's eth worth in dollars", "get_token_price"),
    ok("what is eth worth?", "get_token_price"),
    ok("how much is 1 eth worth in usd", "get_token_price"),
    ok("usdc price", "get_token_price"),
    ok("dai price", "get_token_price"),
    ok("balance of alice and then the price of eth", "get_balance", "get_token_price"),
    ok("quote 1 eth to usdc", "quote_swap"),
    ok("get me a quote for swapping 100 usdc to dai with 1% slippage", "quote_swap"),
    ok("how much usdc would 2 eth get me", "quote_swap"),
    ok("how much dai would I get for 50 usdc", "quote_swap"),
    ok("swap 0.1 eth for usdc from alice", "send_swap"),
    ok("swap 100 usdc to dai from bob with 1% slippage", "send_swap"),
    ok("swap 1 usdc for dai slippage 0.3% from carol", "send_swap"),
    ok("alice swaps 0.01 eth for dai with a max slippage of 2 percent", "send_swap"),
    ok("trade 5 dai for usdc from dave", "send_swap"),
    ok("what is alice's portfolio worth", "get_portfolio"),
    ok("value of bob's portfolio", "get_portfolio"),
    ok("portfolio value of carol", "get_portfolio"),
    # by hash
    fails(f"receipt for {HASH}", "get_transaction_receipt"),
    fails(f"{HASH} receipt", "get_transaction_receipt"),
    fails(f"transaction {HASH}", "get_transaction"),
    fails(f"show me {HASH}", "get_transaction"),
)  # fmt: skip

SMALL_TALK: tuple[Case, ...] = (
    talk("thanks!", "welcome"),
    talk("thank you", "welcome"),
    talk("Thanks a lot", "welcome"),
    talk("thx", "welcome"),
    talk("hello", "Hello"),
    talk("hi there!", "Hello"),
    talk("good morning", "Hello"),
    talk("who are you", "builtin assistant"),
    talk("what are you?", "builtin assistant"),
    talk("are you a bot?", "builtin assistant"),
    talk("what's your name", "builtin assistant"),
    talk("bye", "Goodbye"),
    talk("ok", "OK"),
    talk("help", "I understand"),
    talk("?", "I understand"),
    talk("what can you do?", "I understand"),
)

NEGATIVE: tuple[Case, ...] = (
    # what the tools can't do
    no("how much is bitcoin worth", "price BITCOIN"),
    no("what's the price of shib", "price SHIB"),
    no("balance of alice in usd", "usd"),
    no("what's alice's balance in dollars", "dollars"),
    no("what's 1 eth in euros", "euros"),
    no("market cap of eth", "market cap"),
    no("bridge 1 eth from alice to bob", "bridge"),
    no("stake 32 eth", "stake"),
    no("buy some eth for alice", "buy"),
    no("deploy a contract from alice", "deploy"),
    no("mint an nft to bob", "mint"),
    no("show the event logs of {token}", "logs"),
    no("sign the message hello with alice's key", "sign quote"),
    no("transaction history of alice", "history"),
    no("balance of alice yesterday", "yesterday"),
    no("what was bob's balance last week", "last week"),
    no("balance of alice on 2024-01-01", "2024-01-01"),
    no("sing me a song about gas", "did not understand"),
    no("write me a poem", "did not understand"),
    no("what's the weather today", "today"),
    no("tell me a joke", "did not understand"),
    # token writes: symbols with no address on the testnet, unplaced words, bad amounts
    no("send 5 USDT to bob", "USDT"),
    no("send 5 USDT from alice to bob", "USDT"),
    no("transfer 10 wbtc from alice to bob", "WBTC"),
    no("send 1 USDC.e from alice to carol", "USDC.E"),
    no("approve 100 usdt for {dead}", "USDT"),
    no("set an allowance of 5 usdc for bob", "allowance"),
    no("approve bob", "approve"),
    no("approve 10 {token} for mallory from alice", "mallory"),
    no("send 0 {token} from alice to bob", "more than zero"),
    no("send -2 {token} from alice to bob", "negative"),
    no("send 1.5 {token} from alice to bob twice", "twice"),
    no("send 1.5 {token} from alice to bob and then swap it", "swap"),
    no("allowance of bob for usdt from alice", "USDT"),
    no("sign 'hi' as mallory", "mallory"),
    no("approve 10 DAI for {dead} on mainnet", "mainnet"),
    no("revoke bob on usdt from alice", "USDT"),
    no("revoke mallory on {token} from alice", "mallory"),
    # tokens by symbol with no known address on the turn's network
    no("what is the USDT balance of alice", "USDT"),
    no("how much wbtc does bob hold", "WBTC"),
    no("alice's usdt balance", "USDT"),
    no("token info USDT", "USDT"),
    no(f"WBTC balance of {DEAD} on polygon", "WBTC"),
    no(f"shib balance of {DEAD} on polygon", "SHIB"),
    # networks: unavailable, unknown, mixed
    no("send 1 eth from alice to bob on mainnet", "mainnet"),
    no(f"balance of {DEAD} on mainnet", "mainnet"),
    no("gas price on arbitrum", "arbitrum"),
    no("block number on base", "base"),
    no("balance of alice on sepolia", "sepolia"),
    no("gas price on optimism", "optimism"),
    no("send 1 eth from alice to bob on solana", "solana"),
    no(f"balance of {DEAD} on polygon and arbitrum", "arbitrum"),
    no("balance of alice on polygon", "alice"),
    # amounts
    no("send -1 ETH from alice to bob", "negative"),
    no("send 0 ETH from alice to bob", "more than zero"),
    no("send 0.0000000000000000001 eth from alice to bob", "too many decimals"),
    no("send 1.5 wei from alice to bob", "too many decimals"),
    no("send 1.0000000001 gwei from alice to bob", "too many decimals"),
    no("send abc ETH from alice to bob", "abc"),
    no("send 1,5 eth from alice to bob", "1,5"),
    no("send all eth from alice to bob", "all"),
    no("send eth to bob", "how much"),
    no("please send", "how much"),
    no("send 1 POL from alice to bob", "POL"),
    # addresses
    no("send 1 ETH from alice to 0x1234", "0x1234"),
    no("send 1 wei from alice to 0xzz00000000000000000000000000000000000000", "hex"),
    no(f"send 1 wei from alice to {BAD_CHECKSUM}", "checksum"),
    no(f"balance of {BAD_CHECKSUM}", "checksum"),
    no("balance of 0xdead", "0xdead"),
    no(f"balance of {HASH}", "transaction hash"),
    no("receipt of 0x1234", "0x1234"),
    no("balance of george", "george"),
    no("send 1 wei from mallory to bob", "mallory"),
    no("send 1 wei from alice to bob from carol", "two senders"),
    no("gas price at block 1", "at block 1"),
    # compound: one part unhandled refuses the whole message
    no("send 1 wei from alice to bob and then swap it for usdc", "swap"),
    no("price of eth and then swap 1 eth for shib from alice", "SHIB"),
    no("send 1 wei from alice to bob and then send 1 usdt to carol", "USDT"),
    no("send 1 wei from alice to bob on mainnet and then tell me bob's balance", "mainnet"),
    # swaps and quotes: bad input is named, never guessed
    no("swap 1 eth for shib from alice", "SHIB"),
    no("swap 0 eth", "more than zero"),
    no("swap 0 eth for usdc from alice", "more than zero"),
    no("swap -1 eth for usdc from alice", "negative"),
    no("swap eth for eth", "two different"),
    no("swap 1 usdc for usdc from alice", "two different"),
    no("swap eth for usdc", "how much"),
    no("quote eth to usdc", "how much"),
    no("swap 1 eth for usdc from alice with -1% slippage", "slippage"),
    no("swap 1 eth for usdc from alice with 20% slippage", "slippage"),
    no("swap 1 eth for usdc from mallory", "mallory"),
    no("quote 1 eth to usdt", "USDT"),
    no("swap 1 eth for usdc from alice twice", "twice"),
    no("what is mallory's portfolio worth", "mallory"),
    # words left over are named, not dropped
    no("balance of alice at block 0 in the morning", "morning"),
    no("don't send 1 eth from alice to bob", "don't"),
    no("send 1 wei from alice to bob twice", "twice"),
)  # fmt: skip

ALL: tuple[Case, ...] = POSITIVE + SMALL_TALK + NEGATIVE


def unserved(networks: Iterable[str]) -> dict[str, str]:
    """The networks the phrasebook cannot use, each with why: all but SERVED, as the chat says
    of a network without MCP servers (mcp_proxy/availability.py); a request on one is
    refused."""
    return {name: REASONS["unavailable"] for name in networks if name not in SERVED}


def plan_labels() -> list[tuple[str, object]]:
    """The phrasings as bench/agent_phrasebook.py labels them (tools, "talk" or "refuse")."""
    labels: list[tuple[str, object]] = []
    for case in ALL:
        text = case.text.format(token=DEAD, dead=DEAD)
        if case.refusal:
            labels.append((text, "refuse"))
        elif case.talk:
            labels.append((text, ["help"] if case.talk == "I understand" else "talk"))
        else:
            prefix = "" if case.network == "testnet" else f"{case.network}:"
            labels.append((text, [prefix + tool for tool in case.tools]))
    return labels
