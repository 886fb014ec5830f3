// SPDX-License-Identifier: MIT
// A contract that answers every read with EIP-3668's OffchainLookup, naming a URL for the
// caller to fetch: the MCP server must never fetch it (CCIP-Read stays off).
pragma solidity ^0.8.20;

contract OffchainLookup {
    error OffchainLookup(address sender, string[] urls, bytes callData, bytes4 callbackFunction, bytes extraData);

    string private gateway;

    constructor(string memory gateway_) {
        gateway = gateway_;
    }

    function lookup() external view returns (uint256) {
        string[] memory urls = new string[](1);
        urls[0] = gateway;
        revert OffchainLookup(address(this), urls, hex"1234", this.answer.selector, hex"");
    }

    function answer(bytes calldata, bytes calldata) external pure returns (uint256) {
        return 42;
    }
}
