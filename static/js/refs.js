// Full transaction hashes, block hashes and addresses found in a tool result, each with a
// copy button and, on networks that have one, a block-explorer link (none for the testnet),
// and the fee of a sent or prepared transaction. Each says what it is where the result says
// so: Block and Parent for a block's own hash and its parent's, From and To for a sender and
// a recipient (sessions_app/conversation.py labels the shared page the same way).
import { copyButton, el } from "./dom.js";

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const HASH = /^0x[0-9a-fA-F]{64}$/;
const MAX_REFS = 8;
const KIND_LABELS = { tx: "Transaction", block: "Block", address: "Address", fee: "Fee" };
const FROM_KEYS = new Set(["from", "from_address", "sender"]);
const TO_KEYS = new Set(["to", "recipient"]);
// The copy button's name, by label: "Copy parent" alone would not say what is copied.
const COPY_NAMES = {
  Block: "Copy block hash",
  Parent: "Copy parent hash",
  From: "Copy sender address",
  To: "Copy recipient address",
};

// What a hash under ``key`` of ``owner`` is: a block's own "hash" sits beside its parent's.
function hashRef(key, owner, value) {
  if (/parent/i.test(key)) return { kind: "block", label: "Parent", value };
  const ownBlockHash = key === "hash" && owner && ("parent_hash" in owner || "parentHash" in owner);
  if (/block/i.test(key) || ownBlockHash) return { kind: "block", label: "Block", value };
  return { kind: "tx", label: "Transaction", value };
}

function addressRef(key, value) {
  const name = key.toLowerCase();
  const label = FROM_KEYS.has(name) ? "From" : TO_KEYS.has(name) ? "To" : "Address";
  return { kind: "address", label, value };
}

// The fee in words with its currency: paid by a sent transaction, at most for a prepared one.
function feeRef(result) {
  const fee = result?.summary?.fee;
  if (!fee?.amount || typeof fee.amount !== "string") return null;
  const amount = `${fee.amount} ${fee.symbol ?? ""}`.trim();
  return { kind: "fee", label: "Fee", value: result.tx_hash ? amount : `up to ${amount}` };
}

// [{kind: "tx" | "block" | "address" | "fee", label, value}] in the order met, without
// repeats; the fee, when there is one, last.
export function findRefs(value) {
  const found = new Map();
  const walk = (item, key, owner) => {
    if (found.size >= MAX_REFS) return;
    if (typeof item === "string") {
      const lower = item.toLowerCase();
      if (found.has(lower) || /^0x0+$/.test(item)) return; // the zero address or hash says nothing
      if (ADDRESS.test(item)) found.set(lower, addressRef(key, item));
      else if (HASH.test(item)) found.set(lower, hashRef(key, owner, item));
    } else if (Array.isArray(item)) {
      for (const part of item) walk(part, key, null);
    } else if (item && typeof item === "object") {
      for (const [name, part] of Object.entries(item)) walk(part, name, item);
    }
  };
  walk(value, "", null);
  const fee = feeRef(value);
  return fee ? [...found.values(), fee] : [...found.values()];
}

function labelOf(ref) {
  return ref.label ?? KIND_LABELS[ref.kind];
}

export function explorerLink(explorerUrl, kind, value) {
  if (!explorerUrl) return null;
  const path = { tx: "tx", block: "block", address: "address" }[kind];
  return el("a", {
    class: "ref-explorer",
    href: `${explorerUrl.replace(/\/$/, "")}/${path}/${value}`,
    target: "_blank",
    rel: "noopener noreferrer",
    text: "Explorer",
    "aria-label": `View ${KIND_LABELS[kind].toLowerCase()} on the block explorer`,
  });
}

export function refItem(ref, explorerUrl) {
  const { kind, value } = ref;
  const label = labelOf(ref);
  if (kind === "fee") {
    return el("li", { class: "ref ref-fee" },
      el("span", { class: "ref-kind", text: label }), el("span", { class: "ref-value", text: value }));
  }
  return el(
    "li",
    { class: `ref ref-${kind}` },
    el("span", { class: "ref-kind", text: label }),
    el("code", { class: "ref-value", text: value }),
    copyButton(() => value, "Copy", COPY_NAMES[label] ?? `Copy ${label.toLowerCase()}`),
    explorerLink(explorerUrl, kind, value),
  );
}

export function fillRefs(list, refs, explorerUrl) {
  list.replaceChildren(...refs.map((ref) => refItem(ref, explorerUrl)));
  list.hidden = refs.length === 0;
}
