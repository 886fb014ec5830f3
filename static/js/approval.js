// The approval card for a wallet.request: what the user is asked to sign, decoded by the MCP
// server (event.summary: token, amount in units, recipient or spender, "unlimited", the spend
// policy's verdict). Raw calldata, gas and nonce stay behind a "Details" toggle.
import { el, prettyJson } from "./dom.js";
import { fillRefs } from "./refs.js";
import { effectsSummary, hasEffects } from "./approval_effects.js";
import { confirmCard } from "./confirm_card.js";
import { errorReason, formatUnits, rejectionCode, toDecimal } from "./wallet.js";

function fieldList(rows) {
  return el("dl", { class: "approval-fields" },
    rows.filter(([, value]) => value !== undefined && value !== null && value !== "")
      .map(([label, value, key]) => [
        el("dt", { text: label }),
        el("dd", { class: `field-${key ?? label.toLowerCase()}`, text: value }),
      ]));
}

function tokenLabel(summary) {
  if (!summary.token) return "";
  const name = summary.name && summary.symbol ? `${summary.name} (${summary.symbol}) ` : "";
  return `${name}${summary.token}`;
}

function amountLabel(summary) {
  if (summary.unlimited) return "Unlimited";
  if (summary.kind === "native_transfer" || summary.kind === "contract_call") return "";  // shown as Value
  if (summary.kind === "nft_transfer") return summary.standard === "erc1155" ? summary.amount : "";
  return summary.amount ? `${summary.amount} ${summary.symbol ?? ""}`.trim() : "";
}

// The decoded rows of the summary, in the user's terms.
function summaryRows(summary) {
  return [
    ["Token", tokenLabel(summary), "token"],
    ["Token id", summary.token_id, "token-id"],
    ["Amount", amountLabel(summary), "amount"],
    ["Recipient", ["native_transfer", "contract_call"].includes(summary.kind) ? "" : summary.recipient, "recipient"],
    ["Spender", summary.spender, "spender"],
    ["Message", summary.message, "message"],
    ["Typed data", summary.primary_type, "typed-data"],
    ["Network fee", summary.fee?.amount ? `Up to ${summary.fee.amount} ${summary.fee.symbol ?? ""}`.trim() : "", "fee"],
  ];
}

// The headline tells the truth: what could not be simulated is never called "Allowed".
function verdictText(policy) {
  if (policy.verdict === "cannot_verify") return "Could not verify what this does";
  if (policy.verdict === "warning" || (policy.warnings ?? []).length) return "Allowed, with a warning";
  if (policy.verdict === "allowed" || policy.verdict === undefined) return "Allowed by the spend policy";
  return "Check this request carefully";
}

// Beside the effects, only what a signature's own text is (the effects say the rest).
function signedTextRows(summary) {
  return [["Message", summary.message, "message"], ["Typed data", summary.primary_type, "typed-data"]];
}

function policyBlock(summary) {
  const policy = summary?.policy;
  if (!policy) return null;
  const warnings = policy.warnings ?? [];
  return el("div", { class: `approval-policy policy-${policy.verdict ?? "allowed"}` },
    el("p", { class: "approval-verdict", text: verdictText(policy) }),
    warnings.map((text) => el("p", { class: "approval-warning", role: "alert", text })),
    (policy.notes ?? []).map((text) => el("p", { class: "approval-note", text })));
}

function transactionRows(event, wallet) {
  const tx = event.tx ?? {};
  const chainId = tx.chainId === undefined ? null : Number(BigInt(tx.chainId));
  const currency = (chainId !== null && wallet.networks.byChainId(chainId)?.currency) || "ETH";
  const shown = [
    ["Description", event.description ?? ""],
    ["To", tx.to ?? "(contract creation)"],
    ["Value", `${formatUnits(tx.value)} ${currency}`],
    ["Chain", chainId === null ? "" : wallet.chainLabel(chainId)],
  ];
  const hidden = [
    ["Data", tx.data ?? tx.input ?? "0x"],
    ["Gas", toDecimal(tx.gas ?? tx.gasLimit)],
    ["Nonce", toDecimal(tx.nonce)],
  ];
  return { shown, hidden };
}

function signRows(event) {
  const sign = event.sign ?? {};
  const signer = sign.method === "personal_sign" ? sign.params?.[1] : sign.params?.[0];
  const shown = [["Description", event.description ?? ""], ["Signer", signer ?? ""]];
  const hidden = [["Request", `${sign.method ?? ""} ${prettyJson(sign.params ?? [])}`, "request"]];
  return { shown, hidden };
}

// respond({status, tx_hash | signature | reason}) sends wallet.result; reason is a code
// (rejected_on_card for this card's Reject; user_rejected when the wallet says the person
// refused; wallet_error, unsupported, no_wallet, timeout), never free text.
export function approvalCard(event, wallet, respond) {
  if (event.kind === "confirm") return confirmCard(event, respond); // ask before acting
  const summary = event.summary ?? null;
  const signing = Boolean(event.sign);
  const { shown, hidden } = signing ? signRows(event) : transactionRows(event, wallet);
  const headline = summary?.action
    ? el("p", { class: "approval-action" }, summary.action,
        summary.unlimited ? el("span", { class: "approval-unlimited", text: "Unlimited" }) : null)
    : null;
  const details = el("details", { class: "approval-details" },
    el("summary", { text: "Details" }), fieldList(hidden));
  const outcome = el("p", { class: "approval-outcome", role: "status" });
  const approve = el("button", { type: "button", class: "btn btn-primary approve", text: signing ? "Sign" : "Approve" });
  const reject = el("button", { type: "button", class: "btn btn-danger reject", text: "Reject" });
  const what = signing ? "this message" : "this transaction";
  const noWallet = wallet.provider
    ? null
    : el("p", { class: "approval-nowallet", text: `No browser wallet was found: to approve ${what}, add a wallet extension (such as MetaMask) to this browser and reload the page. You can reject it here.` });
  if (!wallet.provider) approve.disabled = true;
  // Summaries with effects (issue 26) say what the write does; older ones list decoded fields.
  const body = hasEffects(summary)
    ? [effectsSummary(summary, headline), fieldList([...signedTextRows(summary), ...shown])]
    : [headline, fieldList([...(summary ? summaryRows(summary) : []), ...shown]), policyBlock(summary)];
  const actions = el("div", { class: "approval-actions" }, approve, reject);
  const card = el("section", { class: "approval-card", "aria-label": signing ? "Signature request" : "Transaction approval", "data-request-id": event.request_id },
    el("h3", { text: signing ? "Sign message?" : "Approve transaction?" }), body, details,
    noWallet, actions, outcome);

  let settled = false;
  // An answered card keeps what was asked and its outcome; its buttons go (a greyed Approve
  // would still read as a question), and so does the note on how to answer without a wallet.
  const settle = (text, kind) => {
    settled = true;
    actions.remove();
    noWallet?.remove();
    outcome.textContent = text;
    card.classList.add(`approval-${kind}`);
  };
  approve.addEventListener("click", async () => {
    approve.disabled = true;
    reject.disabled = true;
    outcome.textContent = "Waiting for the wallet…";
    try {
      if (signing) {
        const signature = await wallet.sign(event.sign);
        respond({ status: "sent", signature });
        settle(`Signed: ${signature}`, "sent");
      } else {
        const hash = await wallet.send(event.tx ?? {});
        respond({ status: "sent", tx_hash: hash });
        settle("Sent.", "sent"); // its hash shows once, below it, with copy
        const chainId = event.tx?.chainId === undefined ? null : Number(BigInt(event.tx.chainId));
        const explorer = chainId === null ? "" : wallet.networks.byChainId(chainId)?.explorer_url;
        const refs = el("ul", { class: "tool-refs approval-refs" });
        fillRefs(refs, [{ kind: "tx", value: hash }], explorer ?? "");
        outcome.after(refs);
      }
    } catch (error) {
      respond({ status: "rejected", reason: rejectionCode(error) });
      settle(`Not ${signing ? "signed" : "sent"}: ${errorReason(error)}`, "rejected");
    }
  });
  reject.addEventListener("click", () => {
    respond({ status: "rejected", reason: "rejected_on_card" });
    settle(`You rejected it: nothing was ${signing ? "signed" : "sent"}.`, "rejected");
  });
  card.settleOnce = (text) => {
    if (!settled) settle(text, "answered");
  };
  return card;
}
