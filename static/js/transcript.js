// The conversation: messages, streamed text and tool cards, deduplicated by id.
// Only the server's sanitized markdown (turn.complete html) goes in through innerHTML.
import { el, prettyJson } from "./dom.js";

const ROLE_LABELS = { user: "You", assistant: "Agent", system: "System", tool: "Tool" };

const VISIBLE_STATUSES = new Set(["sending", "not sent", "queued", "interrupted", "error"]);

function messageStatus(message) {
  return message.status ?? message.metadata?.status ?? "";
}

export class Transcript {
  constructor(root, emptyNote) {
    this.root = root;
    this.emptyNote = emptyNote;
    this.messages = new Map(); // message id -> {node, body, badge, tools, final}
    this.currentTurn = null; // the assistant message being written
    this.pending = new Map(); // client_msg_id -> entry, before the server has numbered it
    this.tools = new Map(); // call_id -> card parts
  }

  append(node) {
    const stick = this.nearBottom();
    this.emptyNote?.remove();
    this.root.append(node);
    if (stick) this.scrollToEnd();
  }

  // The page itself scrolls (the composer sticks to the bottom): follow new text only when
  // the reader is already at the end.
  nearBottom() {
    const page = document.documentElement;
    return page.scrollHeight - window.scrollY - window.innerHeight < 120;
  }

  scrollToEnd() {
    window.scrollTo(0, document.documentElement.scrollHeight);
  }

  hasMessage(id) {
    return this.messages.has(id);
  }

  buildMessage(role, network) {
    const badge = el("span", { class: "badge badge-status", hidden: true });
    const header = el(
      "header",
      { class: "msg-header" },
      el("span", { class: "msg-role", text: ROLE_LABELS[role] ?? role }),
      network ? el("span", { class: "badge badge-network", text: network }) : null,
      badge,
    );
    const tools = el("div", { class: "msg-tools" });
    const body = el("div", { class: "msg-body" });
    const node = el("article", { class: `msg msg-${role}` }, header, tools, body);
    return { node, body, badge, tools, final: false, role };
  }

  setStatus(entry, status) {
    entry.badge.hidden = !VISIBLE_STATUSES.has(status);
    entry.badge.textContent = status;
    entry.node.classList.toggle("msg-queued", status === "queued");
    entry.node.dataset.status = status;
  }

  // A message the user just sent, shown before the server confirms it.
  addPending(clientMsgId, text, network) {
    const entry = this.buildMessage("user", network);
    entry.body.textContent = text;
    entry.node.dataset.clientMsgId = clientMsgId;
    this.setStatus(entry, "sending");
    this.pending.set(clientMsgId, entry);
    this.append(entry.node);
  }

  // The server refused a message it never stored: say so on its bubble.
  markNotSent(clientMsgId) {
    const entry = this.pending.get(clientMsgId);
    if (!entry) return;
    this.setStatus(entry, "not sent");
    this.pending.delete(clientMsgId);
  }

  upsertMessage(message) {
    let entry = this.messages.get(message.id);
    if (!entry && message.client_msg_id && this.pending.has(message.client_msg_id)) {
      entry = this.pending.get(message.client_msg_id);
      this.pending.delete(message.client_msg_id);
    }
    if (!entry) {
      entry = this.buildMessage(message.role, message.metadata?.network ?? message.network);
      this.append(entry.node);
    }
    this.messages.set(message.id, entry);
    entry.node.dataset.messageId = message.id;
    this.fillMessage(entry, message);
    if (message.role === "assistant") {
      for (const call of message.tool_calls ?? []) this.storedToolCall(call, entry);
      if (!entry.final) this.currentTurn = entry;
    }
  }

  fillMessage(entry, message) {
    const status = messageStatus(message);
    this.setStatus(entry, status);
    if (entry.final) return;
    const content = message.content ?? "";
    if (entry.role === "assistant" && status !== "streaming" && (message.html || content)) {
      // A finished answer: show the server's sanitized rendering when it sent one.
      if (message.html) this.finish(entry, message.html);
      else entry.body.textContent = content;
    } else if (entry.role !== "assistant" || content.length >= entry.body.textContent.length) {
      entry.body.textContent = content;
    }
    entry.node.classList.toggle("msg-streaming", status === "streaming");
  }

  assistantEntry(messageId) {
    let entry = this.messages.get(messageId);
    if (!entry) {
      entry = this.buildMessage("assistant");
      entry.node.dataset.messageId = messageId;
      this.messages.set(messageId, entry);
      this.append(entry.node);
    }
    if (!entry.final) this.currentTurn = entry;
    return entry;
  }

  appendDelta(messageId, text) {
    const entry = this.assistantEntry(messageId);
    if (entry.final) return;
    const stick = this.nearBottom();
    entry.node.classList.add("msg-streaming");
    entry.body.append(document.createTextNode(text));
    if (stick) this.scrollToEnd();
  }

  complete(messageId, html) {
    this.finish(this.assistantEntry(messageId), html);
  }

  finish(entry, html) {
    // html is the server's nh3-sanitized rendering of the agent's markdown.
    entry.body.innerHTML = html;
    entry.final = true;
    entry.node.classList.remove("msg-streaming");
    entry.node.classList.add("msg-rendered");
    if (this.currentTurn === entry) this.currentTurn = null;
  }

  unqueue(messageId) {
    const entry = this.messages.get(messageId);
    if (entry?.node.dataset.status === "queued") this.setStatus(entry, "");
  }

  hasQueued() {
    return [...this.messages.values()].some((entry) => entry.node.dataset.status === "queued");
  }

  // Tool cards sit inside the assistant message of their turn (or loose, before it exists).
  toolCard(callId, host = this.currentTurn) {
    let card = this.tools.get(callId);
    if (card) return card;
    const name = el("span", { class: "tool-name" });
    const network = el("span", { class: "badge badge-network" });
    const state = el("span", { class: "tool-state", text: "running…" });
    const args = el("pre", { class: "tool-args" });
    const outcomeLabel = el("h4", { class: "tool-section", text: "Result" });
    const outcome = el("pre", { class: "tool-result", text: "(waiting)" });
    const duration = el("p", { class: "tool-duration" });
    const node = el(
      "details",
      { class: "tool-card tool-running", "data-call-id": callId },
      el("summary", {}, el("span", { class: "tool-icon", "aria-hidden": "true", text: "⚙" }), name, network, state),
      el("div", { class: "tool-details" },
        el("h4", { class: "tool-section", text: "Arguments" }), args, outcomeLabel, outcome, duration),
    );
    card = { node, name, network, state, args, outcomeLabel, outcome, duration };
    this.tools.set(callId, card);
    if (host) host.tools.append(node);
    else this.append(node);
    return card;
  }

  toolCall({ call_id, tool, network, arguments: args }, host = this.currentTurn) {
    const card = this.toolCard(call_id, host);
    card.name.textContent = tool;
    card.network.textContent = network ?? "";
    card.args.textContent = prettyJson(args ?? {});
  }

  toolResult({ call_id, ok, result, error, duration_ms }) {
    const card = this.toolCard(call_id);
    card.node.classList.remove("tool-running");
    card.node.classList.add(ok ? "tool-ok" : "tool-error");
    card.state.textContent = ok ? `ok · ${duration_ms ?? 0} ms` : `error · ${duration_ms ?? 0} ms`;
    card.outcomeLabel.textContent = ok ? "Result" : "Error";
    card.outcome.textContent = prettyJson(ok ? result : error);
    card.duration.textContent = `Took ${duration_ms ?? 0} ms`;
  }

  // A stored tool call (tool_call_dict) from session.state; its result is {ok, text, data}.
  storedToolCall(call, host = null) {
    if (!call.call_id) return;
    this.toolCall(call, host);
    if (call.result === null || call.result === undefined) return;
    const payload = call.result?.data !== undefined ? call.result.data : call.result;
    this.toolResult({
      call_id: call.call_id,
      ok: !call.is_error,
      result: payload,
      error: payload,
      duration_ms: call.duration_ms,
    });
  }

  note(text, kind = "info") {
    this.append(el("p", { class: `note note-${kind}`, role: kind === "error" ? "alert" : null, text }));
  }
}
