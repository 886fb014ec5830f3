// The approval card for a wallet.request: what the user is asked to sign, decoded by the MCP
// server (event.summary: token, amount in units, recipient or spender, "unlimited", the spend
// policy's verdict). Raw calldata, gas and nonce stay behind a "Details" toggle. A request with
// several calls (event.calls: a swap's exact approval, then the swap) lists its steps and is
// approved once: one atomic batch where the wallet can, else each step in order.
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

const APPROVE_SELECTOR = "0x095ea7b3"; // approve(address,uint256)
// What the server accepts as a batch id (sessions_app/events.py); another is not sent.
const BATCH_ID = /^[0-9A-Za-z_.:-]{1,200}$/;

function isApproval(call) {
  return String(call?.data ?? "").toLowerCase().startsWith(APPROVE_SELECTOR);
}

// "Allow the router to take exactly 1,000 USDC": from the swap's quote, else from the
// allowance among the effects.
function approvalStep(summary) {
  const who = summary?.kind === "swap" ? "the router" : "the spender";
  const quote = summary?.quote;
  if (quote?.amount_in && quote?.token_in) return `Allow ${who} to take exactly ${quote.amount_in} ${quote.token_in}`;
  const allowance = (summary?.effects ?? []).find((effect) => effect.kind === "approval" && effect.you);
  if (!allowance) return `Allow ${who} to take the amount this needs`;
  const amount = `${String(allowance.amount ?? "").replace(/^[-+]/, "")} ${allowance.symbol ?? ""}`.trim();
  return `Allow ${allowance.counterparty_label || who} to take exactly ${amount}`;
}

// What each step does, in the person's words: the server's summary.steps when it sends
// them, else an approval step, and the request's headline for the last one.
export function stepLabels(calls, summary) {
  if (Array.isArray(summary?.steps) && summary.steps.length === calls.length) {
    return summary.steps.map((step) => (typeof step === "string" ? step : String(step?.action ?? "")));
  }
  return calls.map((call, index) => {
    if (isApproval(call)) return approvalStep(summary);
    if (index === calls.length - 1 && summary?.action) return summary.action;
    return `A transaction to ${call.to ?? "a new contract"}`;
  });
}

function everyStep(count) {
  return count === 2 ? "both steps" : `all ${count} steps`;
}

function stepList(calls, summary) {
  return el("ol", { class: "approval-steps", "aria-label": "Steps" },
    stepLabels(calls, summary).map((text) => el("li", { class: "approval-step", text })));
}

// Each step's raw fields, behind Details.
function stepRows(calls) {
  return calls.flatMap((call, index) => [
    [`Step ${index + 1} to`, call.to ?? "(contract creation)", `step-${index + 1}-to`],
    [`Step ${index + 1} data`, call.data ?? "0x", `step-${index + 1}-data`],
    [`Step ${index + 1} gas`, toDecimal(call.gas), `step-${index + 1}-gas`],
    [`Step ${index + 1} nonce`, toDecimal(call.nonce), `step-${index + 1}-nonce`],
  ]);
}

function signRows(event) {
  const sign = event.sign ?? {};
  const signer = sign.method === "personal_sign" ? sign.params?.[1] : sign.params?.[0];
  const shown = [["Description", event.description ?? ""], ["Signer", signer ?? ""]];
  const hidden = [["Request", `${sign.method ?? ""} ${prettyJson(sign.params ?? [])}`, "request"]];
  return { shown, hidden };
}

// respond({status, tx_hash | signature | reason}) sends wallet.result; a request with calls
// answers {status: "sent", tx_hashes (in call order, or the batch's one), tx_hash (the last),
// batch_id?}. reason is a code (rejected_on_card for this card's Reject; user_rejected when
// the wallet says the person refused; wallet_error, unsupported, no_wallet, timeout), never
// free text.
export function approvalCard(event, wallet, respond) {
  if (event.kind === "confirm") return confirmCard(event, respond); // ask before acting
  const summary = event.summary ?? null;
  const signing = Boolean(event.sign);
  const calls = !signing && Array.isArray(event.calls) && event.calls.length ? event.calls : null;
  const multi = calls !== null && calls.length > 1;
  const rows = signing ? signRows(event) : transactionRows(event, wallet);
  // Several calls: one "To" would name only the last step's; each step's is under Details.
  const shown = multi ? rows.shown.filter(([label]) => label !== "To") : rows.shown;
  const hidden = rows.hidden;
  const headline = summary?.action
    ? el("p", { class: "approval-action" }, summary.action,
        summary.unlimited ? el("span", { class: "approval-unlimited", text: "Unlimited" }) : null)
    : null;
  const details = el("details", { class: "approval-details" },
    el("summary", { text: "Details" }), fieldList(multi ? stepRows(calls) : hidden));
  const outcome = el("p", { class: "approval-outcome", role: "status" });
  const approve = el("button", { type: "button", class: "btn btn-primary approve", text: signing ? "Sign" : "Approve" });
  const reject = el("button", { type: "button", class: "btn btn-danger reject", text: "Reject" });
  const what = signing ? "this message" : multi ? "these transactions" : "this transaction";
  const noWallet = wallet.provider
    ? null
    : el("p", { class: "approval-nowallet", text: `No browser wallet was found: to approve ${what}, add a wallet extension (such as MetaMask) to this browser and reload the page. You can reject it here.` });
  if (!wallet.provider) approve.disabled = true;
  const steps = multi
    ? [stepList(calls, summary), el("p", { class: "approval-note approval-steps-note", text: `Approve once here: your wallet signs ${everyStep(calls.length)} together if it can, otherwise it asks for each in turn.` })]
    : null;
  // Summaries with effects (issue 26) say what the write does; older ones list decoded fields.
  const body = hasEffects(summary)
    ? [effectsSummary(summary, headline), fieldList([...signedTextRows(summary), ...shown])]
    : [headline, fieldList([...(summary ? summaryRows(summary) : []), ...shown]), policyBlock(summary)];
  const actions = el("div", { class: "approval-actions" }, approve, reject);
  const title = signing ? "Sign message?" : multi ? `Approve ${calls.length} transactions?` : "Approve transaction?";
  const card = el("section", { class: "approval-card", "aria-label": signing ? "Signature request" : "Transaction approval", "data-request-id": event.request_id },
    el("h3", { text: title }), steps, body, details,
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
  const showHashes = (hashes) => {
    const chainId = event.tx?.chainId === undefined ? null : Number(BigInt(event.tx.chainId));
    const explorer = chainId === null ? "" : wallet.networks.byChainId(chainId)?.explorer_url;
    const refs = el("ul", { class: "tool-refs approval-refs" });
    fillRefs(refs, hashes.map((value) => ({ kind: "tx", value })), explorer ?? "");
    outcome.after(refs);
  };
  const sendAll = async () => {
    const { hashes, batchId } = await wallet.sendCalls(calls, (text) => { outcome.textContent = text; });
    const answer = { status: "sent", tx_hashes: hashes, tx_hash: hashes[hashes.length - 1] };
    if (batchId && BATCH_ID.test(String(batchId))) answer.batch_id = String(batchId);
    respond(answer);
    settle(`Sent: ${everyStep(calls.length)}${batchId ? " as one batch" : ""}.`, "sent");
    showHashes(hashes); // each hash shows once, below it, with copy
  };
  const notSent = (error) => {
    const done = error?.sentHashes?.length ?? 0;
    if (!done) return `Not ${signing ? "signed" : "sent"}: ${errorReason(error)}`;
    return `Step ${done} of ${calls.length} was sent; step ${done + 1} was not: ${errorReason(error)}`;
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
      } else if (multi) {
        await sendAll();
      } else {
        const hash = await wallet.send(event.tx ?? {});
        respond(calls ? { status: "sent", tx_hash: hash, tx_hashes: [hash] } : { status: "sent", tx_hash: hash });
        settle("Sent.", "sent"); // its hash shows once, below it, with copy
        showHashes([hash]);
      }
    } catch (error) {
      respond({ status: "rejected", reason: rejectionCode(error) });
      settle(notSent(error), "rejected");
      if (error?.sentHashes?.length) showHashes(error.sentHashes);
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
