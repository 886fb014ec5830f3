// What a transaction or signature does, as the approval card shows it (issue 26): the spend
// policy's warnings first, then a verdict that never says "Allowed" for what could not be
// checked, then the user's own changes ("You send", "You receive", "You allow"), the network
// fee, everyone else's changes (collapsed), and how it was checked. Each entry of
// summary.effects is an mcp_servers/effects.py Effect.as_dict().
import { el } from "./dom.js";

const VERDICTS = {
  cannot_verify: "Could not verify what this does",
  warning: "Allowed, with a warning",
  allowed: "Allowed by the spend policy",
};

// Said when the summary has no checked_text of its own.
const CHECKED = {
  simulated: "Simulated on the network: these are the changes it would make.",
  partly: "Only partly checked: the transaction would not fail, but what it moves could not be seen.",
  unchecked: "Could not be checked: what this transaction does is not known.",
  decoded: "Decoded from the request: this is what the signature would allow.",
  unknown: "What this signature allows is not known: read every field before signing.",
};

const GROUPS = [
  ["send", "You send"],
  ["receive", "You receive"],
  ["allow", "You allow"],
  ["created", "Creates"],
];

export function hasEffects(summary) {
  return Array.isArray(summary?.effects) || Array.isArray(summary?.fields);
}

function shortAddress(address) {
  const text = String(address ?? "");
  return /^0x[0-9a-fA-F]{40}$/.test(text) ? `${text.slice(0, 6)}…${text.slice(-4)}` : text;
}

// Which group of the card an effect belongs to (summary_format.md's rules).
function groupOf(effect) {
  if (effect.kind === "fee") return "fee";
  if (effect.kind === "created") return "created";
  if (!effect.you) return "other";
  if (effect.kind === "approval" || effect.kind === "operator") return "allow";
  if (effect.kind === "transfer") return String(effect.amount ?? "").startsWith("-") ? "send" : "receive";
  return "other";
}

function symbolOf(effect) {
  return effect.symbol || (effect.asset === "native" ? "ETH" : "tokens");
}

// The asset as a person reads it: "1.5 TUSD", "CAT #3", "2 × GEM #7", "every CAT".
function assetText(effect) {
  const symbol = symbolOf(effect);
  const units = String(effect.amount ?? "").replace(/^[-+]/, "");
  if (effect.kind === "operator") return `every ${symbol}`;
  if (effect.unlimited || units === "unlimited") return `unlimited ${symbol}`;
  if (effect.token_id !== null && effect.token_id !== undefined) {
    const item = effect.symbol ? `${effect.symbol} #${effect.token_id}` : `token #${effect.token_id}`;
    return effect.standard === "erc1155" ? `${units} × ${item}` : item;
  }
  return `${units} ${symbol}`;
}

function counterparty(effect) {
  const label = effect.counterparty_label || shortAddress(effect.counterparty) || "someone";
  return el("span", { class: "effect-party", title: effect.counterparty ?? undefined, text: label });
}

function revoked(effect) {
  return effect.amount === "none" || effect.raw === "0" || effect.amount === "0";
}

// One line of a group: the amount stands out, then who is on the other side.
function effectLine(effect, group) {
  const amount = el("strong", { class: "effect-amount", text: assetText(effect) });
  const unlimited = effect.unlimited ? el("span", { class: "approval-unlimited", text: "Unlimited" }) : null;
  const parts = {
    send: () => [amount, " to ", counterparty(effect)],
    receive: () => [amount, effect.counterparty ? [" from ", counterparty(effect)] : null],
    allow: () => revoked(effect)
      ? ["Take back ", counterparty(effect), `'s permission on ${symbolOf(effect)}`]
      : [counterparty(effect), effect.kind === "operator" ? " may move " : " may spend ", amount, unlimited],
    created: () => ["A new contract at ", el("span", { class: "effect-party", text: effect.address })],
  }[group]();
  return el("li", { class: `effect effect-${effect.kind}${effect.unlimited ? " effect-unlimited" : ""}` }, parts);
}

// Another address's change: whose, then what ("+1.5 TUSD", "lets bob spend 5 TUSD").
function otherLine(effect) {
  const whose = el("span", { class: "effect-party", title: effect.address, text: shortAddress(effect.address) });
  if (effect.kind !== "transfer") {
    const verb = effect.kind === "operator" ? " move " : " spend ";
    return el("li", { class: `effect effect-${effect.kind}` },
      whose, revoked(effect) ? [" takes back ", counterparty(effect), "'s permission"] : [" lets ", counterparty(effect), verb, assetText(effect)]);
  }
  const sign = String(effect.amount ?? "").startsWith("-") ? "−" : "+";
  return el("li", { class: `effect effect-${effect.kind}` },
    whose, ": ", el("span", { class: "effect-amount", text: `${sign}${assetText(effect)}` }));
}

function group(name, title, effects) {
  if (!effects.length) return null;
  return el("div", { class: `effects-group effects-${name}` },
    el("h4", { text: title }),
    el("ul", {}, effects.map((effect) => effectLine(effect, name))));
}

function others(effects) {
  if (!effects.length) return null;
  return el("details", { class: "effects-group effects-other" },
    el("summary", { text: `Other changes (${effects.length})` }),
    el("ul", {}, effects.map(otherLine)));
}

function feeLine(summary, feeEffects) {
  const fee = summary.fee ?? (feeEffects[0] ? { amount: String(feeEffects[0].amount).replace(/^-/, ""), symbol: feeEffects[0].symbol } : null);
  if (!fee) return null;
  return el("div", { class: "effects-group effects-fee" },
    el("h4", { text: "Network fee" }),
    el("p", {}, "Up to ", el("strong", { class: "effect-amount", text: `${fee.amount} ${fee.symbol ?? ""}`.trim() })));
}

// Unknown typed data: every field, since what it does cannot be said.
function typedFields(fields) {
  if (!Array.isArray(fields) || !fields.length) return null;
  return el("div", { class: "effects-group effects-fields" },
    el("h4", { text: "What you sign" }),
    el("dl", { class: "approval-typed-fields" }, fields.map(({ name, value }) => [
      el("dt", { text: name }),
      el("dd", { text: typeof value === "string" ? value : JSON.stringify(value) }),
    ])));
}

// What was not simulated (or, for a signature, not understood) is never shown as "Allowed",
// whatever verdict came with it; without a policy, no verdict is claimed.
function shownVerdict(summary) {
  const verdict = summary.policy?.verdict ?? null;
  if (["unchecked", "partly", "unknown"].includes(summary.checked)) return "cannot_verify";
  return verdict;
}

// Warnings first (a revert, then the policy's), then the verdict and the policy's notes.
function policyHead(summary) {
  const policy = summary.policy ?? {};
  const verdict = shownVerdict(summary);
  const warnings = [...(policy.warnings ?? [])];
  if (summary.reverted) warnings.unshift(`This transaction would fail: ${summary.revert_reason || "the network gave no reason"}.`);
  return el("div", { class: `approval-policy policy-${verdict ?? "none"}` },
    el("div", { class: "approval-warnings" },
      warnings.map((text) => el("p", { class: "approval-warning", role: "alert", text }))),
    verdict ? el("p", { class: "approval-verdict approval-headline", text: VERDICTS[verdict] ?? "Check this request carefully" }) : null,
    (policy.notes ?? []).map((text) => el("p", { class: "approval-note", text })));
}

function nothingMoves(summary, mine) {
  if (mine || summary.checked !== "simulated") return null;
  return el("p", { class: "effects-none", text: "Nothing leaves or enters your account, and no permission is given." });
}

// The effects part of the card; ``headline`` is the one-line action, shown under the verdict.
export function effectsSummary(summary, headline) {
  const effects = Array.isArray(summary.effects) ? summary.effects : [];
  const byGroup = {};
  for (const effect of effects) (byGroup[groupOf(effect)] ??= []).push(effect);
  const mine = GROUPS.some(([name]) => byGroup[name]?.length);
  const checkedText = summary.checked_text || CHECKED[summary.checked];
  return el("div", { class: "approval-effects" },
    policyHead(summary), headline,
    GROUPS.map(([name, title]) => group(name, title, byGroup[name] ?? [])),
    nothingMoves(summary, mine),
    feeLine(summary, byGroup.fee ?? []),
    typedFields(summary.fields),
    others(byGroup.other ?? []),
    checkedText ? el("p", { class: `approval-checked checked-${summary.checked ?? "unknown"}`, text: checkedText }) : null);
}
