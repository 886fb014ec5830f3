// The browser wallet (EIP-1193 window.ethereum) and the approval card for wallet.request.
import { el } from "./dom.js";
import { fillRefs } from "./refs.js";

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

function toDecimal(hex) {
  try {
    return BigInt(hex).toString();
  } catch {
    return hex === undefined ? "" : String(hex);
  }
}

function errorReason(error) {
  const message = error?.message ?? String(error);
  return error?.code !== undefined ? `${message} (code ${error.code})` : message;
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
}

// The approval card; respond(status, detail) sends wallet.result.
export function approvalCard(event, wallet, respond) {
  const tx = event.tx ?? {};
  const chainId = tx.chainId === undefined ? null : Number(BigInt(tx.chainId));
  const currency = (chainId !== null && wallet.networks.byChainId(chainId)?.currency) || "ETH";
  const rows = [
    ["Description", event.description ?? ""],
    ["To", tx.to ?? "(contract creation)"],
    ["Value", `${formatUnits(tx.value)} ${currency}`],
    ["Data", tx.data ?? tx.input ?? "0x"],
    ["Gas", toDecimal(tx.gas ?? tx.gasLimit)],
    ["Chain", chainId === null ? "" : wallet.chainLabel(chainId)],
  ];
  const list = el("dl", { class: "approval-fields" },
    rows.map(([label, value]) => [el("dt", { text: label }), el("dd", { class: `field-${label.toLowerCase()}`, text: value })]));
  const outcome = el("p", { class: "approval-outcome", role: "status" });
  const approve = el("button", { type: "button", class: "btn btn-primary approve", text: "Approve" });
  const reject = el("button", { type: "button", class: "btn btn-danger reject", text: "Reject" });
  const noWallet = wallet.provider
    ? null
    : el("p", { class: "approval-nowallet", text: "No browser wallet was found: to approve, add a wallet extension (such as MetaMask) to this browser and reload the page. You can reject it here." });
  if (!wallet.provider) approve.disabled = true;
  const card = el("section", { class: "approval-card", "aria-label": "Transaction approval", "data-request-id": event.request_id },
    el("h3", { text: "Approve transaction?" }), list, noWallet, el("div", { class: "approval-actions" }, approve, reject), outcome);

  let settled = false;
  const settle = (text, kind) => {
    settled = true;
    approve.disabled = true;
    reject.disabled = true;
    outcome.textContent = text;
    card.classList.add(`approval-${kind}`);
  };
  approve.addEventListener("click", async () => {
    approve.disabled = true;
    reject.disabled = true;
    outcome.textContent = "Waiting for the wallet…";
    try {
      const hash = await wallet.send(tx);
      respond({ status: "sent", tx_hash: hash });
      settle(`Sent: ${hash}`, "sent");
      const explorer = chainId === null ? "" : wallet.networks.byChainId(chainId)?.explorer_url;
      const refs = el("ul", { class: "tool-refs approval-refs" });
      fillRefs(refs, [{ kind: "tx", value: hash }], explorer ?? "");
      outcome.after(refs);
    } catch (error) {
      respond({ status: "rejected", reason: errorReason(error) });
      settle(`Not sent: ${errorReason(error)}`, "rejected");
    }
  });
  reject.addEventListener("click", () => {
    respond({ status: "rejected", reason: "Rejected by the user." });
    settle("Rejected.", "rejected");
  });
  card.settleOnce = (text) => {
    if (!settled) settle(text, "answered");
  };
  return card;
}
