"""The tool set: one record per tool; `build_server` registers those the network allows."""

from __future__ import annotations

from chatproject.networks import Network
from mcp_servers.tools import (
    accounts,
    blocks,
    contracts,
    ens,
    etherscan,
    network,
    tokens,
    transactions,
    writes,
)
from mcp_servers.tools.base import ToolSpec

TOOL_SPECS: tuple[ToolSpec, ...] = (
    ToolSpec("get_network_info", network.get_network_info, network.NoInput, "Network info"),
    ToolSpec("get_block_number", network.get_block_number, network.NoInput, "Latest block number"),
    ToolSpec("get_block", blocks.get_block, blocks.GetBlockInput, "Block"),
    ToolSpec("get_balance", accounts.get_balance, accounts.AddressInput, "Balance"),
    ToolSpec("get_transaction", transactions.get_transaction, transactions.TxHashInput,
             "Transaction"),
    ToolSpec("get_transaction_receipt", transactions.get_transaction_receipt,
             transactions.TxHashInput, "Transaction receipt"),
    ToolSpec("get_code", accounts.get_code, accounts.AddressInput, "Contract code"),
    ToolSpec("get_gas_price", network.get_gas_price, network.NoInput, "Gas price"),
    ToolSpec("estimate_gas", transactions.estimate_gas, transactions.EstimateGasInput,
             "Estimate gas"),
    ToolSpec("call_contract", contracts.call_contract, contracts.CallContractInput,
             "Call contract (read-only)"),
    ToolSpec("encode_function_call", contracts.encode_function_call, contracts.EncodeInput,
             "Encode function call"),
    ToolSpec("get_token_info", tokens.get_token_info, tokens.TokenInput, "ERC-20 token info"),
    ToolSpec("get_token_balance", tokens.get_token_balance, tokens.TokenBalanceInput,
             "ERC-20 token balance"),
    ToolSpec("resolve_ens", ens.resolve_ens, ens.EnsNameInput, "Resolve ENS name"),
    ToolSpec("lookup_ens", ens.lookup_ens, ens.EnsAddressInput, "Reverse ENS lookup"),
    ToolSpec("get_contract_abi", etherscan.get_contract_abi, etherscan.ContractAbiInput,
             "Verified contract ABI"),
    ToolSpec("prepare_transaction", writes.prepare_transaction, writes.PrepareInput,
             "Prepare unsigned transaction"),
    ToolSpec("send_transaction", writes.send_transaction, writes.SendInput,
             "Send transaction (dev accounts)", read_only=False, destructive=True, dev_only=True),
)  # fmt: skip


def specs_for(net: Network) -> list[ToolSpec]:
    """Write tools that need unlocked accounts exist only on dev networks."""
    return [spec for spec in TOOL_SPECS if net.dev or not spec.dev_only]
