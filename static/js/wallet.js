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
// wallet's own words stay on this page and never reach the agent. 5750: the person declined
// the account upgrade an atomic batch needed (EIP-5792); 5760: the wallet cannot batch.
export function rejectionCode(error) {
  if (error?.reasonCode) return error.reasonCode; // set by this page (a batch that failed, a timeout)
  const byCode = { 4001: "user_rejected", 4100: "wallet_error", 4200: "unsupported", 4900: "wallet_error", 4901: "unsupported", 5750: "user_rejected", 5760: "unsupported" };
  if (error?.code !== undefined) return byCode[error.code] ?? "wallet_error";
  return /no browser wallet/i.test(error?.message ?? "") ? "no_wallet" : "wallet_error";
}

// EIP-5792 (Wallet Call API, version 2.0.0): the wallet runs a batch atomically when the
// chain's `atomic` capability is "supported", or "ready" (it upgrades the account first,
// EIP-7702, with the person's consent).
export const BATCH_VERSION = "2.0.0";
const ATOMIC_STATUSES = ["supported", "ready"];
// A wallet without the method answers 4200 (EIP-1193 unsupported method) or -32601 (JSON-RPC
// method not found); 5700/5760: it cannot honour atomicRequired. Then each call goes alone.
const NO_BATCHING = [4200, -32601, 5700, 5760];
const BATCH_POLL_MS = 1000;
const BATCH_WAIT_MS = 10 * 60 * 1000;
// wallet_getCallsStatus: 1xx pending, 200 confirmed; 4xx (not included), 5xx (reverted) and
// 6xx (partly reverted) are failures.
const BATCH_PENDING = 100;
const BATCH_CONFIRMED = 200;

export function hexChainId(chainId) {
  return `0x${BigInt(chainId).toString(16)}`; // EIP-5792: hex, no leading zeros
}

function failure(message, reasonCode) {
  return Object.assign(new Error(message), { reasonCode });
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

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
    const provider = await this.ready();
    await this.switchTo(tx.chainId);
    const params = { ...tx, from: tx.from ?? this.address };
    return provider.request({ method: "eth_sendTransaction", params: [params] });
  }

  async ready() {
    const provider = this.provider;
    if (!provider) throw new Error("No browser wallet is available.");
    if (!this.address) await this.connect();
    return provider;
  }

  async switchTo(chainId) {
    if (chainId === undefined) return;
    await this.provider.request({ method: "wallet_switchEthereumChain", params: [{ chainId }] });
    this.setChain(chainId);
  }

  // Several calls from one approval (a swap: the approval, then the swap): one atomic batch
  // where the wallet can (EIP-5792), else each call in order with eth_sendTransaction.
  // progress(text) tells the card where it is. Returns {hashes, batchId?}.
  async sendCalls(calls, progress = () => {}) {
    const provider = await this.ready();
    const chainId = calls[0].chainId ?? this.chainId;
    await this.switchTo(calls[0].chainId);
    const from = calls[0].from ?? this.address;
    if (calls.length > 1 && (await this.canBatch(from, chainId))) {
      const batch = await this.sendBatch(calls, from, chainId, progress);
      if (batch) return batch;
    }
    const hashes = [];
    for (const [index, call] of calls.entries()) {
      const step = `Step ${index + 1} of ${calls.length}: waiting for the wallet…`;
      progress(index ? `Step ${index} of ${calls.length} sent. ${step}` : step);
      const params = { ...call, from: call.from ?? from };
      try {
        hashes.push(await provider.request({ method: "eth_sendTransaction", params: [params] }));
      } catch (error) {
        // The card says which steps went out before this one failed.
        if (hashes.length && error && typeof error === "object") error.sentHashes = [...hashes];
        throw error;
      }
    }
    return { hashes };
  }

  // Whether the wallet runs calls atomically on this chain (wallet_getCapabilities).
  async canBatch(from, chainId) {
    const chain = hexChainId(chainId);
    let capabilities;
    try {
      capabilities = await this.provider.request({ method: "wallet_getCapabilities", params: [from, [chain]] });
    } catch (error) {
      if (error?.code === 4001) throw error;
      return false; // no EIP-5792 (4200, -32601) or no answer for this chain: one by one
    }
    const key = Object.keys(capabilities ?? {}).find((name) => {
      try {
        return BigInt(name) === BigInt(chain);
      } catch {
        return false;
      }
    });
    const status = (capabilities?.[key] ?? capabilities?.["0x0"])?.atomic?.status;
    return ATOMIC_STATUSES.includes(status);
  }

  // One atomic batch; null when the wallet turns out unable to batch (then one by one).
  async sendBatch(calls, from, chainId, progress) {
    progress("Waiting for the wallet to sign every step at once…");
    const request = {
      version: BATCH_VERSION,
      chainId: hexChainId(chainId),
      from,
      atomicRequired: true,
      calls: calls.map(({ to, data, value }) => ({ to, data, value })),
    };
    let sent;
    try {
      sent = await this.provider.request({ method: "wallet_sendCalls", params: [request] });
    } catch (error) {
      if (NO_BATCHING.includes(error?.code)) return null;
      throw error;
    }
    if (!sent?.id) throw failure("The wallet did not say which batch it sent.", "wallet_error");
    progress("Sent as one batch: waiting for it to be included…");
    return { hashes: await this.batchHashes(sent.id), batchId: sent.id };
  }

  // Polls wallet_getCallsStatus until the batch is confirmed; its receipts' hashes.
  async batchHashes(id) {
    const deadline = Date.now() + BATCH_WAIT_MS;
    while (Date.now() < deadline) {
      const found = await this.provider.request({ method: "wallet_getCallsStatus", params: [id] });
      const status = Number(found?.status);
      if (status === BATCH_CONFIRMED) {
        const hashes = (found.receipts ?? []).map((receipt) => receipt.transactionHash).filter(Boolean);
        if (hashes.length) return hashes;
        throw failure("The wallet confirmed the batch without its transaction.", "wallet_error");
      }
      if (!(status >= BATCH_PENDING && status < BATCH_CONFIRMED)) {
        throw failure("The wallet reports that the batch failed.", "wallet_error");
      }
      await pause(BATCH_POLL_MS);
    }
    throw failure("The wallet did not confirm the batch in time.", "timeout");
  }

  // A message (personal_sign) or EIP-712 (eth_signTypedData_v4) signature; returns it.
  async sign(request) {
    const provider = this.provider;
    if (!provider) throw new Error("No browser wallet is available.");
    if (!this.address) await this.connect();
    return provider.request({ method: request.method, params: request.params });
  }
}
