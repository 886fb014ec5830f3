// SPDX-License-Identifier: MIT
// A router-style contract: swapExactTokens moves the caller's tokens (through an earlier
// approval) to any `to`. Three functions fail on purpose, one per kind of revert reason:
// a custom error with arguments, require with a string, and a Panic (division by zero).
pragma solidity ^0.8.20;

interface IERC20Move {
    function transferFrom(address from, address to, uint256 value) external returns (bool);
}

contract Router {
    error RouterSlippage(uint256 wanted, uint256 got);

    uint256 public swaps; // the failing functions write it, so they are writes, not reads

    event Swapped(address indexed sender, address indexed tokenIn, uint256 amountIn, address to);

    function swapExactTokens(address tokenIn, uint256 amountIn, address to) external returns (uint256) {
        require(IERC20Move(tokenIn).transferFrom(msg.sender, to, amountIn), "Router: transfer failed");
        emit Swapped(msg.sender, tokenIn, amountIn, to);
        return amountIn;
    }

    function swapWithMinimum(uint256 wanted) external returns (uint256) {
        swaps += 1;
        revert RouterSlippage(wanted, wanted / 2);
    }

    function swapBeforeDeadline(uint256 deadline) external returns (uint256) {
        require(block.timestamp <= deadline, "Router: deadline passed");
        swaps += 1;
        return deadline;
    }

    function swapShare(uint256 amount, uint256 parts) external returns (uint256) {
        swaps += amount / parts; // parts == 0: Panic(0x12)
        return swaps;
    }
}
