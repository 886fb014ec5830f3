"""The tool set: one record per tool; `build_server` registers those the network allows."""

from __future__ import annotations

from chatproject.networks import Network
from mcp_servers.tools import (
    abi_reads,
    accounts,
    blocks,
    contracts,
    ens,
    erc20,
    etherscan,
    logs,
    multicall,
    network,
    nfts,
    signing,
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
    # prepare_* change no chain state but count toward the spend policy's daily totals, so they
    # are not read-only: the proxy does not retry them after a dropped connection.
    ToolSpec("prepare_transaction", writes.prepare_transaction, writes.PrepareInput,
             "Prepare unsigned transaction", read_only=False),
    ToolSpec("send_transaction", writes.send_transaction, writes.SendInput,
             "Send transaction (dev accounts)", read_only=False, destructive=True, dev_only=True),
    ToolSpec("get_token_allowance", erc20.get_token_allowance, erc20.AllowanceInput,
             "ERC-20 allowance"),
    ToolSpec("prepare_token_transfer", erc20.prepare_token_transfer, erc20.TokenTransferInput,
             "Prepare ERC-20 transfer", read_only=False),
    ToolSpec("send_token_transfer", erc20.send_token_transfer, erc20.SendTokenTransferInput,
             "Send ERC-20 transfer (dev accounts)", read_only=False, destructive=True,
             dev_only=True),
    ToolSpec("prepare_token_approval", erc20.prepare_token_approval, erc20.TokenApprovalInput,
             "Prepare ERC-20 approval", read_only=False),
    ToolSpec("send_token_approval", erc20.send_token_approval, erc20.SendTokenApprovalInput,
             "Send ERC-20 approval (dev accounts)", read_only=False, destructive=True,
             dev_only=True),
    ToolSpec("get_nft_owner", nfts.get_nft_owner, nfts.NftTokenInput, "ERC-721 owner"),
    ToolSpec("get_nft_balance", nfts.get_nft_balance, nfts.NftBalanceInput, "ERC-721 balance"),
    ToolSpec("get_nft_metadata", nfts.get_nft_metadata, nfts.NftTokenInput, "NFT metadata"),
    ToolSpec("get_erc1155_balance", nfts.get_erc1155_balance, nfts.Erc1155BalanceInput,
             "ERC-1155 balances"),
    ToolSpec("prepare_nft_transfer", nfts.prepare_nft_transfer, nfts.NftTransferInput,
             "Prepare NFT transfer", read_only=False),
    ToolSpec("send_nft_transfer", nfts.send_nft_transfer, nfts.SendNftTransferInput,
             "Send NFT transfer (dev accounts)", read_only=False, destructive=True, dev_only=True),
    ToolSpec("get_portfolio", multicall.get_portfolio, multicall.PortfolioInput,
             "Portfolio (Multicall3)"),
    ToolSpec("read_contract", abi_reads.read_contract, abi_reads.ReadContractInput,
             "Read contract by function name"),
    ToolSpec("get_logs", logs.get_logs, logs.GetLogsInput, "Event logs"),
    ToolSpec("get_token_transfers", logs.get_token_transfers, logs.TokenTransfersInput,
             "Recent token transfers"),
    ToolSpec("sign_message", signing.sign_message, signing.SignMessageInput,
             "Sign a message (personal_sign)", read_only=False),
    ToolSpec("sign_typed_data", signing.sign_typed_data, signing.SignTypedDataInput,
             "Sign EIP-712 typed data", read_only=False),
)  # fmt: skip


def specs_for(net: Network) -> list[ToolSpec]:
    """Write tools that need unlocked accounts exist only on dev networks."""
    return [spec for spec in TOOL_SPECS if net.dev or not spec.dev_only]
