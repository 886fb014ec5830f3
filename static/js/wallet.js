// The browser wallet (EIP-1193 window.ethereum); the approval card is in approval.js.

export function formatUnits(hexWei, decimals = 18) {
  let wei;
  try {
    wei = BigInt(hexWei ?? "0x0");
  } catch {
    return String(hexWei);
  }
  const base = 10n ** BigInt(decimals);
  const whole = wei / base;
  const fraction = (wei % base).toString().padStart(decimals, "0").replace(/0+$/, "");
  return fraction ? `${whole}.${fraction}` : `${whole}`;
}

export function toDecimal(hex) {
  try {
    return BigInt(hex).toString();
  } catch {
    return hex === undefined ? "" : String(hex);
  }
}

export function errorReason(error) {
  const message = error?.message ?? String(error);
  return error?.code !== undefined ? `${message} (code ${error.code})` : message;
}

// Why a wallet request was not completed, as one of the codes the server knows: the
// wallet's own words stay on this page and never reach the agent.
export function rejectionCode(error) {
  const byCode = { 4001: "user_rejected", 4100: "wallet_error", 4200: "unsupported", 4900: "wallet_error", 4901: "unsupported" };
  if (error?.code !== undefined) return byCode[error.code] ?? "wallet_error";
  return /no browser wallet/i.test(error?.message ?? "") ? "no_wallet" : "wallet_error";
}

export class Wallet {
  constructor(button, status, networks) {
    this.button = button;
    this.status = status;
    this.networks = networks;
    this.address = null;
    this.chainId = null;
    button.addEventListener("click", () => this.connect().catch((error) => this.showError(error)));
    const provider = this.provider;
    if (!provider) {
      // Nothing to connect to: the status says so, and the button would only fail.
      status.textContent = "No browser wallet";
      button.hidden = true;
      return;
    }
    provider.on?.("accountsChanged", (accounts) => this.setAccounts(accounts));
    provider.on?.("chainChanged", (chainId) => this.setChain(chainId));
  }

  get provider() {
    return window.ethereum ?? null;
  }

  async connect() {
    if (!this.provider) throw new Error("No browser wallet (window.ethereum) in this browser.");
    this.setAccounts(await this.provider.request({ method: "eth_requestAccounts" }));
    this.setChain(await this.provider.request({ method: "eth_chainId" }));
    return this.address;
  }

  setAccounts(accounts) {
    this.address = accounts?.[0] ?? null;
    this.render();
  }

  setChain(chainId) {
    this.chainId = chainId ? Number(BigInt(chainId)) : null;
    this.render();
  }

  chainLabel(chainId) {
    const network = this.networks.byChainId(chainId);
    return network ? `${network.name} (chain ${chainId})` : `chain ${chainId}`;
  }

  render() {
    if (!this.address) {
      this.status.textContent = "Not connected";
      this.button.textContent = "Connect wallet";
      return;
    }
    const short = `${this.address.slice(0, 6)}…${this.address.slice(-4)}`;
    const chain = this.chainId === null ? "" : ` on ${this.chainLabel(this.chainId)}`;
    this.status.textContent = `${short}${chain}`;
    this.status.title = this.address;
    this.button.textContent = "Wallet connected";
  }

  showError(error) {
    this.status.textContent = `Wallet: ${errorReason(error)}`;
  }

  // Switch to the request's chain, then send; returns the transaction hash.
  async send(tx) {
    const provider = this.provider;
    if (!provider) throw new Error("No browser wallet is available.");
    if (!this.address) await this.connect();
    if (tx.chainId !== undefined) {
      await provider.request({ method: "wallet_switchEthereumChain", params: [{ chainId: tx.chainId }] });
      this.setChain(tx.chainId);
    }
    const params = { ...tx, from: tx.from ?? this.address };
    return provider.request({ method: "eth_sendTransaction", params: [params] });
  }

  // A message (personal_sign) or EIP-712 (eth_signTypedData_v4) signature; returns it.
  async sign(request) {
    const provider = this.provider;
    if (!provider) throw new Error("No browser wallet is available.");
    if (!this.address) await this.connect();
    return provider.request({ method: request.method, params: request.params });
  }
}
