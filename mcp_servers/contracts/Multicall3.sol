// SPDX-License-Identifier: MIT
// The part of Multicall3 (github.com/mds1/multicall, deployed at
// 0xcA11bde05977b3631167028862bE2a173976CA11 on most EVM chains) that the MCP server uses:
// the same function signatures, so the same selectors and ABI. On dev networks (Anvil) the
// server installs this contract's runtime code at the canonical address when nothing is there.
pragma solidity ^0.8.20;

contract Multicall3 {
    struct Call3 {
        address target;
        bool allowFailure;
        bytes callData;
    }

    struct Result {
        bool success;
        bytes returnData;
    }

    function aggregate3(Call3[] calldata calls) external payable returns (Result[] memory returnData) {
        returnData = new Result[](calls.length);
        for (uint256 i = 0; i < calls.length; i++) {
            (bool success, bytes memory data) = calls[i].target.call(calls[i].callData);
            require(success || calls[i].allowFailure, "Multicall3: call failed");
            returnData[i] = Result(success, data);
        }
    }

    function getEthBalance(address addr) external view returns (uint256 balance) {
        balance = addr.balance;
    }

    function getBlockNumber() external view returns (uint256 blockNumber) {
        blockNumber = block.number;
    }

    function getChainId() external view returns (uint256 chainid) {
        chainid = block.chainid;
    }
}
