// SPDX-License-Identifier: MIT
// A minimal ERC-1155 for the MCP server tests: the deployer holds the initial amounts of
// each id; transfers (single and batch) to contracts are not checked with
// onERC1155Received (tests send to EOAs).
pragma solidity ^0.8.20;

contract TestMultiToken {
    string private baseUri;
    mapping(uint256 => mapping(address => uint256)) private balances;
    mapping(address => mapping(address => bool)) public isApprovedForAll;

    event TransferSingle(address indexed operator, address indexed from, address indexed to, uint256 id, uint256 value);
    event TransferBatch(address indexed operator, address indexed from, address indexed to, uint256[] ids, uint256[] values);
    event ApprovalForAll(address indexed account, address indexed operator, bool approved);

    constructor(string memory uri_, uint256[] memory ids, uint256[] memory amounts) {
        baseUri = uri_;
        for (uint256 i = 0; i < ids.length; i++) {
            balances[ids[i]][msg.sender] = amounts[i];
        }
        emit TransferBatch(msg.sender, address(0), msg.sender, ids, amounts);
    }

    function supportsInterface(bytes4 id) external pure returns (bool) {
        return id == 0x01ffc9a7 || id == 0xd9b67a26 || id == 0x0e89341c;
    }

    function uri(uint256) external view returns (string memory) {
        return baseUri;
    }

    function balanceOf(address account, uint256 id) public view returns (uint256) {
        return balances[id][account];
    }

    function balanceOfBatch(address[] calldata accounts, uint256[] calldata ids) external view returns (uint256[] memory out) {
        require(accounts.length == ids.length, "TestMultiToken: length mismatch");
        out = new uint256[](accounts.length);
        for (uint256 i = 0; i < accounts.length; i++) {
            out[i] = balances[ids[i]][accounts[i]];
        }
    }

    function setApprovalForAll(address operator, bool approved) external {
        isApprovedForAll[msg.sender][operator] = approved;
        emit ApprovalForAll(msg.sender, operator, approved);
    }

    function safeTransferFrom(address from, address to, uint256 id, uint256 value, bytes calldata) external {
        require(from == msg.sender || isApprovedForAll[from][msg.sender], "TestMultiToken: not allowed");
        require(to != address(0), "TestMultiToken: zero address");
        require(balances[id][from] >= value, "TestMultiToken: insufficient balance");
        balances[id][from] -= value;
        balances[id][to] += value;
        emit TransferSingle(msg.sender, from, to, id, value);
    }

    function safeBatchTransferFrom(
        address from,
        address to,
        uint256[] calldata ids,
        uint256[] calldata values,
        bytes calldata
    ) external {
        require(from == msg.sender || isApprovedForAll[from][msg.sender], "TestMultiToken: not allowed");
        require(to != address(0), "TestMultiToken: zero address");
        require(ids.length == values.length, "TestMultiToken: length mismatch");
        for (uint256 i = 0; i < ids.length; i++) {
            require(balances[ids[i]][from] >= values[i], "TestMultiToken: insufficient balance");
            balances[ids[i]][from] -= values[i];
            balances[ids[i]][to] += values[i];
        }
        emit TransferBatch(msg.sender, from, to, ids, values);
    }
}
