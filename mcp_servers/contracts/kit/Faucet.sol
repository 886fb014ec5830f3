// SPDX-License-Identifier: MIT
// Gives a local testnet account its starting tokens in one transaction: USDC and DAI minted,
// and the ETH sent along wrapped into WETH. Anyone may call it: it is a testnet faucet.
pragma solidity ^0.8.20;

interface IMintable {
    function mint(address to, uint256 amount) external;
}

interface IWETH9 {
    function deposit() external payable;
    function transfer(address to, uint256 amount) external returns (bool);
}

contract Faucet {
    address public immutable owner;
    IMintable public usdc;
    IMintable public dai;
    IWETH9 public weth;

    constructor() {
        owner = msg.sender;
    }

    function setTokens(IMintable usdc_, IMintable dai_, IWETH9 weth_) external {
        require(msg.sender == owner && address(usdc) == address(0), "set once, by the owner");
        usdc = usdc_;
        dai = dai_;
        weth = weth_;
    }

    function fund(address to, uint256 usdcAmount, uint256 daiAmount) external payable {
        usdc.mint(to, usdcAmount);
        dai.mint(to, daiAmount);
        if (msg.value > 0) {
            weth.deposit{value: msg.value}();
            weth.transfer(to, msg.value);
        }
    }
}
