"""What each tool does, in the words a person reads: "Sending failed on testnet: …" rather than
the tool's name. One place for every tool, so an answer never has to fall back on a name."""

from __future__ import annotations

ACTIONS: dict[str, str] = {
    "get_network_info": "Reading the network info",
    "get_block_number": "Reading the block number",
    "get_block": "Looking up the block",
    "get_balance": "Looking up the balance",
    "get_transaction": "Looking up the transaction",
    "get_transaction_receipt": "Looking up the receipt",
    "get_code": "Reading the contract code",
    "get_gas_price": "Reading the gas price",
    "estimate_gas": "Estimating the gas",
    "call_contract": "Calling the contract",
    "encode_function_call": "Encoding the call",
    "get_token_info": "Looking up the token",
    "get_token_balance": "Looking up the token balance",
    "resolve_ens": "Looking up the ENS name",
    "lookup_ens": "Looking up the ENS name",
    "get_contract_abi": "Looking up the contract's ABI",
    "prepare_transaction": "Preparing the transaction",
    "send_transaction": "Sending",
    "get_token_allowance": "Looking up the allowance",
    "prepare_token_transfer": "Preparing the token transfer",
    "send_token_transfer": "Sending the tokens",
    "prepare_token_approval": "Preparing the approval",
    "send_token_approval": "Approving",
    "get_approvals": "Looking up the approvals",
    "prepare_revoke_approval": "Preparing the revoke",
    "send_revoke_approval": "Revoking",
    "get_nft_owner": "Looking up the NFT's owner",
    "get_nft_balance": "Looking up the NFT balance",
    "get_nft_metadata": "Looking up the NFT",
    "get_erc1155_balance": "Looking up the token balances",
    "prepare_nft_transfer": "Preparing the NFT transfer",
    "send_nft_transfer": "Sending the NFT",
    "get_portfolio": "Looking up the portfolio",
    "get_token_price": "Looking up the price",
    "quote_swap": "Quoting the swap",
    "prepare_swap": "Preparing the swap",
    "send_swap": "Swapping",
    "read_contract": "Reading the contract",
    "get_logs": "Reading the logs",
    "get_token_transfers": "Looking up the transfers",
    "sign_message": "Signing",
    "sign_typed_data": "Signing",
}


def action(tool: str) -> str:
    """The step as a person would say it ("Sending"); a tool not listed is "That step"."""
    return ACTIONS.get(tool, "That step")


def failed(tool: str, network: str, reason: str) -> str:
    """ "Sending failed on testnet: <reason>", the sentence for a failed step."""
    if not reason:
        return f"{action(tool)} failed on {network}."
    return f"{action(tool)} failed on {network}: {reason}"
