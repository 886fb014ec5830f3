// A test EIP-1193 provider: forwards to an Anvil node (whose accounts are unlocked), the way a
// browser wallet would sign and send. __RPC_URL__ is filled in by the test.
(() => {
  const rpcUrl = "__RPC_URL__";
  let nextId = 0;
  window.__walletCalls = [];
  async function rpc(method, params = []) {
    const response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++nextId, method, params }),
    });
    const body = await response.json();
    if (body.error) {
      const error = new Error(body.error.message);
      error.code = body.error.code;
      throw error;
    }
    return body.result;
  }
  window.ethereum = {
    isTestWallet: true,
    async request({ method, params }) {
      window.__walletCalls.push({ method, params });
      if (method === "eth_requestAccounts") return rpc("eth_accounts");
      if (method === "wallet_switchEthereumChain") {
        const actual = await rpc("eth_chainId");
        if (BigInt(params[0].chainId) !== BigInt(actual)) {
          const error = new Error("Unrecognized chain ID.");
          error.code = 4902;
          throw error;
        }
        return null;
      }
      return rpc(method, params);
    },
    on() {},
    removeListener() {},
  };
})();
