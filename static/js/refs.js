// Full transaction hashes, block hashes and addresses found in a tool result, each with a
// copy button and, on networks that have one, a block-explorer link (none for the testnet).
import { copyButton, el } from "./dom.js";

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const HASH = /^0x[0-9a-fA-F]{64}$/;
const MAX_REFS = 8;

// [{kind: "tx" | "block" | "address", value}] in the order met, without repeats.
export function findRefs(value) {
  const found = new Map();
  const walk = (item, key) => {
    if (found.size >= MAX_REFS) return;
    if (typeof item === "string") {
      const lower = item.toLowerCase();
      if (found.has(lower) || /^0x0+$/.test(item)) return; // the zero address or hash says nothing
      if (ADDRESS.test(item)) found.set(lower, { kind: "address", value: item });
      else if (HASH.test(item)) found.set(lower, { kind: /block|parent/i.test(key) ? "block" : "tx", value: item });
    } else if (Array.isArray(item)) {
      for (const part of item) walk(part, key);
    } else if (item && typeof item === "object") {
      for (const [name, part] of Object.entries(item)) walk(part, name);
    }
  };
  walk(value, "");
  return [...found.values()];
}

const KIND_LABELS = { tx: "Transaction", block: "Block", address: "Address" };

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

export function refItem({ kind, value }, explorerUrl) {
  return el(
    "li",
    { class: `ref ref-${kind}` },
    el("span", { class: "ref-kind", text: KIND_LABELS[kind] }),
    el("code", { class: "ref-value", text: value }),
    copyButton(() => value, "Copy", `Copy ${KIND_LABELS[kind].toLowerCase()}`),
    explorerLink(explorerUrl, kind, value),
  );
}

export function fillRefs(list, refs, explorerUrl) {
  list.replaceChildren(...refs.map((ref) => refItem(ref, explorerUrl)));
  list.hidden = refs.length === 0;
}
