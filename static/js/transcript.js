// The conversation: messages, streamed text and tool cards, deduplicated by id.
// Only the server's sanitized markdown (turn.complete html, a message's html) goes in through
// innerHTML.
import { copyButton, el, prettyJson, timeElement } from "./dom.js";
import { fillRefs, findRefs } from "./refs.js";

const ROLE_LABELS = { user: "You", assistant: "Agent", system: "System", tool: "Tool" };

const VISIBLE_STATUSES = new Set(["sending", "not sent", "queued", "interrupted", "error"]);
const SUPERSEDED = "superseded"; // taken out of the conversation by an edit or a regenerate

function messageStatus(message) {
  return message.status ?? message.metadata?.status ?? "";
}

export class Transcript {
  // actions: {explorerFor(network), onEdit(entry, text), onRegenerate(entry), onRetry(clientMsgId)}
  constructor(root, emptyNote, actions) {
    this.root = root;
    this.emptyNote = emptyNote;
    this.actions = actions;
    this.messages = new Map(); // message id -> {node, body, badge, tools, final}
    this.currentTurn = null; // the assistant message being written
    this.pending = new Map(); // client_msg_id -> entry, before the server has numbered it
    this.tools = new Map(); // call_id -> card parts
    this.busy = false;
  }

  // Scrolling to what is added is follow.js's job (it watches the transcript grow).
  append(node) {
    this.emptyNote?.remove();
    this.root.append(node);
  }

  isEmpty() {
    return !this.root.querySelector(".msg:not([hidden])");
  }

  hasMessage(id) {
    return this.messages.has(id);
  }

  buildMessage(role, network, createdAt) {
    const badge = el("span", { class: "badge badge-status", hidden: true });
    const header = el(
      "header",
      { class: "msg-header" },
      el("span", { class: "msg-role", text: ROLE_LABELS[role] ?? role }),
      // Once per turn: on the question (an answer runs where its question was asked).
      network && role !== "assistant" ? el("span", { class: "badge badge-network", text: network }) : null,
      badge,
      timeElement(createdAt),
    );
    const tools = el("div", { class: "msg-tools" });
    const body = el("div", { class: "msg-body" });
    const bar = el("div", { class: "msg-actions" });
    const node = el("article", { class: `msg msg-${role}` }, header, tools, body, bar);
    const entry = { node, body, badge, tools, bar, final: false, role, network, text: "" };
    if (role === "user" || role === "assistant") this.addActions(entry);
    return entry;
  }

  addActions(entry) {
    const copy = copyButton(() => (entry.role === "user" ? entry.text : entry.body.innerText.trim()), "Copy", "Copy text");
    entry.bar.append(copy);
    if (entry.role === "user") {
      entry.edit = el("button", { type: "button", class: "btn-icon edit", text: "Edit", title: "Edit and send again" });
      entry.edit.addEventListener("click", () => this.startEdit(entry));
      entry.bar.append(entry.edit);
    } else {
      entry.regenerate = el("button", { type: "button", class: "btn-icon regenerate", text: "Regenerate", hidden: true });
      entry.regenerate.addEventListener("click", () => this.actions.onRegenerate(entry));
      entry.bar.append(entry.regenerate);
    }
  }

  // Edit in place: the message's text in a box; "Save and send" starts a new turn from here.
  startEdit(entry) {
    if (entry.editor || !entry.node.dataset.messageId) return;
    const box = el("textarea", { class: "edit-box", "aria-label": "Edited text", rows: 3 });
    box.value = entry.text;
    const save = el("button", { type: "submit", class: "btn btn-primary", text: "Submit edit" });
    const cancel = el("button", { type: "button", class: "btn btn-secondary", text: "Cancel" });
    const form = el("form", { class: "edit-form" }, box, el("div", { class: "edit-actions" }, save, cancel));
    const close = () => {
      form.remove();
      entry.editor = null;
      entry.body.hidden = false;
      entry.bar.hidden = false;
    };
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = box.value.trim();
      if (!text || save.disabled) return;
      save.disabled = true; // until the server takes the edit, or refuses it (the box stays)
      this.actions.onEdit(entry, text).then((ok) => (ok ? close() : (save.disabled = false)));
    });
    box.addEventListener("keydown", (event) => {
      if (event.key === "Escape") close();
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    cancel.addEventListener("click", close);
    entry.editor = form;
    entry.body.hidden = true;
    entry.bar.hidden = true;
    entry.body.after(form);
    box.focus();
  }

  setStatus(entry, status) {
    entry.badge.hidden = !VISIBLE_STATUSES.has(status);
    entry.badge.textContent = status;
    entry.node.classList.toggle("msg-queued", status === "queued");
    entry.node.dataset.status = status;
    entry.node.hidden = status === SUPERSEDED;
    if (status !== "not sent") entry.retry?.remove();
  }

  // A message the user just sent, shown before the server confirms it.
  addPending(clientMsgId, text, network) {
    const entry = this.buildMessage("user", network);
    entry.body.textContent = text;
    entry.text = text;
    entry.node.dataset.clientMsgId = clientMsgId;
    this.setStatus(entry, "sending");
    this.pending.set(clientMsgId, entry);
    this.append(entry.node);
  }

  // No confirmation came (refused, or no answer in time): say so, and offer to send it again.
  markNotSent(clientMsgId, canRetry = false) {
    const entry = this.pending.get(clientMsgId);
    if (!entry || entry.node.dataset.status !== "sending") return;
    this.setStatus(entry, "not sent");
    if (!canRetry) {
      this.pending.delete(clientMsgId);
      return;
    }
    entry.retry = el("button", { type: "button", class: "btn-icon retry", text: "Retry" });
    entry.retry.addEventListener("click", () => {
      this.setStatus(entry, "sending");
      this.actions.onRetry(clientMsgId);
    });
    entry.bar.prepend(entry.retry);
  }

  upsertMessage(message) {
    let entry = this.messages.get(message.id);
    if (!entry && message.client_msg_id && this.pending.has(message.client_msg_id)) {
      entry = this.pending.get(message.client_msg_id);
      this.pending.delete(message.client_msg_id);
    }
    if (!entry) {
      entry = this.buildMessage(message.role, message.metadata?.network ?? message.network, message.created_at);
      this.append(entry.node);
    }
    this.messages.set(message.id, entry);
    entry.node.dataset.messageId = message.id;
    entry.replyTo = message.metadata?.reply_to ?? null;
    entry.seq = message.seq ?? Infinity;
    this.fillMessage(entry, message);
    if (message.role === "assistant") {
      for (const call of message.tool_calls ?? []) this.storedToolCall(call, entry);
      if (!entry.final) this.currentTurn = entry;
    }
    this.refreshActions();
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
    } else if (entry.role === "user" && message.html) {
      // What the person typed, shown as the server's sanitized markdown, like answers.
      entry.body.innerHTML = message.html;
      entry.node.classList.add("msg-rendered");
      entry.text = content;
    } else if (entry.role !== "assistant" || content.length >= entry.body.textContent.length) {
      entry.body.textContent = content;
      entry.text = content;
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
    entry.node.classList.add("msg-streaming");
    entry.body.append(document.createTextNode(text));
  }

  complete(messageId, html) {
    this.finish(this.assistantEntry(messageId), html);
    this.refreshActions();
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

  // An edit or a regenerate the server refused: its message goes; the old ones never left.
  dropPending(clientMsgId) {
    this.pending.get(clientMsgId)?.node.remove();
    this.pending.delete(clientMsgId);
  }

  // Edit and regenerate are offered when no turn runs; regenerate only on the last answer.
  setBusy(busy) {
    this.busy = busy;
    this.refreshActions();
  }

  refreshActions() {
    const visible = [...this.root.querySelectorAll(".msg-assistant:not([hidden])")];
    const last = visible.at(-1);
    for (const entry of this.messages.values()) {
      if (entry.edit) entry.edit.hidden = this.busy;
      if (!entry.regenerate) continue;
      const answersUser = this.messages.get(entry.replyTo)?.role === "user";
      entry.regenerate.hidden = this.busy || entry.node !== last || !answersUser || !entry.final;
    }
  }

  userEntry(messageId) {
    return this.messages.get(Number(messageId)) ?? this.messages.get(messageId);
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
    // Hashes and addresses stay visible below the (collapsed) card, in full.
    const refs = el("ul", { class: "tool-refs", "aria-label": "Hashes and addresses", hidden: true });
    card = { node, name, network, state, args, outcomeLabel, outcome, duration, refs, networkName: "" };
    this.tools.set(callId, card);
    if (host) host.tools.append(node, refs);
    else {
      this.append(node);
      node.after(refs);
    }
    return card;
  }

  toolCall({ call_id, tool, network, arguments: args }, host = this.currentTurn) {
    const card = this.toolCard(call_id, host);
    card.name.textContent = tool;
    card.network.textContent = network ?? "";
    card.network.hidden = !network || network === host?.network; // said once, on the question
    card.networkName = network ?? "";
    card.args.textContent = prettyJson(args ?? {});
  }

  toolResult({ call_id, ok, result, error, duration_ms }) {
    const card = this.toolCard(call_id);
    const stopped = !ok && error?.code === "interrupted";
    const took = `${duration_ms ?? 0} ms`;
    card.node.classList.remove("tool-running");
    card.node.classList.add(ok ? "tool-ok" : stopped ? "tool-stopped" : "tool-error");
    card.state.textContent = ok ? `ok · ${took}` : stopped ? `stopped · ${took}` : `error · ${took}`;
    card.outcomeLabel.textContent = ok ? "Result" : stopped ? "Stopped" : "Error";
    card.outcome.textContent = prettyJson(ok ? result : error);
    card.duration.textContent = `Took ${took}`;
    if (ok) fillRefs(card.refs, findRefs(result), this.actions.explorerFor(card.networkName));
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
