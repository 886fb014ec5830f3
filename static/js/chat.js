// The chat page: one chat session per tab (its id lives in sessionStorage).
import { Banners } from "./banners.js";
import { ChatSocket } from "./connection.js";
import { el, randomId } from "./dom.js";
import { Follow } from "./follow.js";
import { getJson, postJson } from "./http.js";
import { NetworkPicker } from "./networks.js";
import { ChatList } from "./sidebar.js";
import { Transcript } from "./transcript.js";
import { approvalCard } from "./approval.js";
import { Wallet } from "./wallet.js";

const SESSION_KEY = "evmchat.session";
// A message the server has not confirmed by then shows "not sent" with a Retry button.
const SEND_TIMEOUT_MS = 12000;
const CLOSE_NOT_FOUND = 4404; // the consumer's close code for an unknown or foreign session
// Errors that refuse a chat.message before it is stored: the message in flight is not sent.
const REFUSALS = new Set([
  "too_many_sessions", "bad_event", "bad_json", "too_large", "message_too_long", "unknown_network", "network_unavailable",
]);
// Errors that refuse an edit or a regenerate (chat.message with supersedes): the chat stays as it was.
const REPLACE_REFUSALS = new Set([...REFUSALS, "rate_limited", "busy", "message_not_found", "session_full"]);
const COUNT_FROM = 0.9; // the character counter shows from 90% of the limit
const formatCount = (n) => n.toLocaleString("en-US");
const $ = (id) => document.getElementById(id);
// A chat with messages has its own address, /c/<id>: reload, back and forward land in it.
const chatPath = (id) => `/c/${encodeURIComponent(id)}`;
const chatIdFromPath = () => decodeURIComponent(window.location.pathname.match(/^\/c\/([^/]+)\/?$/)?.[1] ?? "") || null;

class ChatPage {
  constructor() {
    this.banners = new Banners($("banners"));
    const networks = JSON.parse($("networks-data").textContent);
    this.networks = new NetworkPicker($("network"), $("network-note"), networks, this.banners);
    this.transcript = new Transcript($("transcript"), $("transcript-empty"), {
      explorerFor: (name) => this.networks.byName(name)?.explorer_url ?? "",
      onEdit: (entry, text) => this.resendFrom(entry, text),
      onRegenerate: (entry) => this.regenerate(entry),
      onRetry: (clientMsgId) => this.retry(clientMsgId),
    });
    this.follow = new Follow($("transcript"), $("jump-latest"));
    // The button hides after the jump: a keyboard user (no pointer, detail 0) lands where they
    // type; a tap does not open a phone's keyboard.
    $("jump-latest").addEventListener("click", (event) => event.detail === 0 && $("message").focus());
    this.wallet = new Wallet($("wallet-connect"), $("wallet-status"), this.networks);
    this.chats = new ChatList({
      root: $("sidebar"),
      list: $("chat-list"),
      empty: $("chat-list-empty"),
      search: $("chat-search"),
      toggle: $("sidebar-toggle"),
      closer: $("sidebar-close"),
      currentId: null,
      onDeleted: () => this.newChat(),
    });
    this.outbox = new Map(); // client_msg_id -> chat.message, until the server confirms it
    this.timers = new Map(); // client_msg_id -> send timeout
    this.replacing = new Map(); // client_msg_id of an edit or a regenerate -> done(accepted)
    this.approvals = new Map(); // request_id -> card
    this.sessionId = null;
    this.socket = null;
    this.scrolledOnce = false;
    this.bindComposer();
    $("new-chat").addEventListener("click", () => this.newChatUnlessEmpty());
    $("chat-ended-new").addEventListener("click", () => this.newChat());
    $("network").addEventListener("change", () => this.showExamples());
    $("confirm-actions").addEventListener("change", (event) => this.setAskFirst(event.target));
    document.addEventListener("visibilitychange", () => this.cameBack());
    document.body.dataset.state = "starting";
  }

  async start() {
    this.networks.choose(null);
    this.networks.startHealthPolling();
    this.showExamples();
    const params = new URLSearchParams(window.location.search);
    // After signing out, this tab's chat belongs to the account: start afresh.
    if (params.has("signed_out")) sessionStorage.removeItem(SESSION_KEY);
    const fromUrl = params.get("session");
    if (fromUrl) sessionStorage.setItem(SESSION_KEY, fromUrl);
    if (fromUrl || params.has("signed_out")) window.history.replaceState(null, "", window.location.pathname);
    const fromPath = chatIdFromPath(); // the server checked it is this owner's (or said 404)
    if (fromPath) sessionStorage.setItem(SESSION_KEY, fromPath);
    window.addEventListener("popstate", () => {
      if (chatIdFromPath() !== this.sessionId) window.location.reload();
    });
    this.chats.load();
    const stored = sessionStorage.getItem(SESSION_KEY);
    if (stored) await this.resume(stored);
    else await this.startNew();
  }

  async startNew() {
    this.setComposerEnabled(false);
    const { status, body } = await postJson("/api/sessions", { network: this.networks.value || "testnet" });
    if (status === 201) {
      this.banners.hide("server-full");
      this.open(body.session, []);
      return;
    }
    const full = body?.error?.code === "server_full";
    this.banners.show("server-full", {
      kind: "error",
      text: full
        ? `The server is full: no new chat can start right now. ${body.error.message ?? ""}`
        : `Could not start a chat: ${body?.error?.message ?? `HTTP ${status}`}`,
      actions: [{ label: "Try again", onClick: () => this.startNew() }],
    });
  }

  async resume(id) {
    const { status, body } = await getJson(`/api/sessions/${encodeURIComponent(id)}`);
    if (status === 200) {
      this.open(body.session, body.messages ?? []);
    } else if (status === 404) {
      this.sessionGone();
    } else {
      this.banners.show("connection", {
        kind: "error",
        text: `Could not load this chat: ${body?.error?.message ?? `HTTP ${status}`}`,
        actions: [{ label: "Try again", onClick: () => this.resume(id) }],
      });
    }
  }

  open(session, messages) {
    this.sessionId = session.id;
    sessionStorage.setItem(SESSION_KEY, session.id);
    document.body.dataset.sessionId = session.id;
    this.chats.setCurrent(session.id);
    if (messages.length) {
      // The next question runs where this chat was; an empty chat keeps the tab's choice.
      this.networks.follow(session.network);
      this.showAddress();
    }
    this.banners.hide("connection");
    if (session.status !== "active") {
      this.applyState(session, messages);
      this.expired(session.status);
      return;
    }
    this.connect();
  }

  showAddress() {
    const path = chatPath(this.sessionId);
    if (window.location.pathname !== path) window.history.replaceState(null, "", path);
  }

  connect() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const url = `${scheme}://${window.location.host}/ws/sessions/${encodeURIComponent(this.sessionId)}/`;
    this.socket = new ChatSocket(url, {
      onEvent: (event) => this.handle(event),
      onOpen: () => {},
      onDown: (delay, code) => this.connectionLost(delay, code),
    });
    this.socket.connect();
  }

  connectionLost(delay, code) {
    if (code === CLOSE_NOT_FOUND) {
      this.sessionGone();
      return;
    }
    document.body.dataset.state = "reconnecting";
    this.setComposerEnabled(true);
    this.banners.show("connection", {
      kind: "warning",
      text: `Connection lost. Reconnecting in ${Math.ceil(delay / 1000)} s…`,
      actions: [{ label: "Reconnect now", onClick: () => this.socket.reconnectNow() }],
    });
    this.checkStillThere();
  }

  // A socket that keeps failing may mean the session itself is gone or expired.
  async checkStillThere() {
    const { status, body } = await getJson(`/api/sessions/${encodeURIComponent(this.sessionId)}`);
    if (status === 404) this.sessionGone();
    else if (status === 200 && body.session.status !== "active") this.expired(body.session.status);
    else if (status === 200 && !this.socket) this.connect(); // continued in another tab
  }

  handle(event) {
    const handlers = {
      "session.state": () => this.applyState(event.session, event.messages ?? []),
      "message.created": () => this.messageCreated(event.message),
      "assistant.delta": () => {
        this.transcript.appendDelta(event.message_id, event.text ?? "");
        this.setProcessing(true);
      },
      "tool.call": () => {
        this.transcript.toolCall(event);
        this.setProcessing(true);
      },
      "tool.result": () => this.transcript.toolResult(event),
      "wallet.request": () => this.showApproval(event),
      "turn.complete": () => {
        this.transcript.complete(event.message_id, event.html ?? "");
        // Queued messages get their turn next, in the same claim: still working.
        this.setProcessing(this.transcript.hasQueued());
        this.chats.load();
      },
      error: () => this.serverError(event),
    };
    handlers[event.type]?.();
  }

  applyState(session, messages) {
    // Messages come in seq order; assistant messages carry their tool calls and html.
    for (const message of messages) this.transcript.upsertMessage(message);
    for (const message of messages) this.confirmed(message.client_msg_id);
    this.banners.hide("connection");
    document.body.dataset.state = session.status === "active" ? "ready" : "expired";
    this.setComposerEnabled(true); // an expired or closed chat continues when written in
    this.setProcessing(Boolean(session.processing));
    this.networks.choose(session.network);
    $("confirm-actions").checked = Boolean(session.confirm_actions);
    if (session.pending_wallet_request) this.showApproval(session.pending_wallet_request);
    this.settleApprovals(messages, session.pending_wallet_request);
    this.flushOutbox();
    if (!this.scrolledOnce) {
      // On load, show the latest message, with the input ready to type in.
      this.scrolledOnce = true;
      this.follow.toEnd();
      if (session.status === "active") $("message").focus();
    }
  }

  messageCreated(message) {
    this.transcript.upsertMessage(message);
    this.confirmed(message.client_msg_id);
    if (message.role === "user") this.continued();
    if (message.role === "user" && !this.chats.list.querySelector(`[data-session-id="${CSS.escape(this.sessionId)}"]`)) {
      this.chats.load(); // the chat's first message: it joins the list
    }
    // An answer starting means the message it replies to is no longer queued.
    if (message.metadata?.reply_to) this.transcript.unqueue(message.metadata.reply_to);
    this.settleApprovals([message]);
    if (message.role === "user" || message.role === "system") this.setProcessing(true);
  }

  serverError({ code, message }) {
    if (this.replacing.size && REPLACE_REFUSALS.has(code)) this.refuseReplacements();
    if (code === "session_expired") return this.expired("expired", message);
    if (code === "session_not_found") return this.sessionGone();
    if (code === "server_full") {
      this.banners.show("server-full", { kind: "error", text: message });
      return undefined;
    }
    if (REFUSALS.has(code)) this.refuseOutbox();
    this.transcript.note(message || code, code === "interrupted" ? "info" : "error");
    if (code === "interrupted") this.setProcessing(false);
    return undefined;
  }

  // An idle or closed chat is not read-only: writing in it continues it (the server reopens
  // it). Until then its socket goes, like everything else the server held for it.
  expired(status, message = "") {
    const text = message || (status === "closed"
      ? "This chat was closed. Write here to continue it."
      : "This chat expired after a while without messages. Write here to continue it.");
    this.socket?.stop();
    this.socket = null;
    this.holdOutbox();
    this.setProcessing(false);
    this.setComposerEnabled(true);
    document.body.dataset.state = "expired";
    this.banners.hide("connection");
    $("chat-ended-text").textContent = text;
    $("chat-ended").hidden = false;
  }

  // A user message stored: the chat is active (again) and has its address.
  continued() {
    this.showAddress();
    if (document.body.dataset.state !== "expired") return;
    document.body.dataset.state = "ready";
    $("chat-ended").hidden = true;
  }

  sessionGone() {
    sessionStorage.removeItem(SESSION_KEY);
    this.ended("gone", "This chat session was not found: it may have been deleted, ended, or belong to another browser.");
  }

  // The chat ended (here or in another tab): said at the top and where the user types.
  ended(state, text) {
    this.socket?.stop();
    this.refuseOutbox();
    this.setComposerEnabled(false);
    this.setProcessing(false);
    document.body.dataset.state = state;
    this.banners.hide("connection");
    this.banners.show("session-expired", {
      kind: "warning",
      text,
      actions: [{ label: "Start a new chat", onClick: () => this.newChat() }],
    });
    $("chat-ended-text").textContent = text;
    $("chat-ended").hidden = false;
    this.transcript.setBusy(true); // no edit or regenerate in a chat that takes no messages
  }

  newChat() {
    sessionStorage.removeItem(SESSION_KEY);
    window.location.assign("/");
  }

  // A chat that has no message yet is already a new chat: no second empty one.
  newChatUnlessEmpty() {
    this.chats.setOpen(false);
    if (document.body.dataset.state === "ready" && this.transcript.isEmpty() && this.outbox.size === 0) {
      $("message").focus();
      return;
    }
    this.newChat();
  }

  // Back to a tab that sat in the background: its chat may have ended meanwhile.
  cameBack() {
    if (document.visibilityState !== "visible" || !this.sessionId) return;
    if (["ready", "expired"].includes(document.body.dataset.state)) this.checkStillThere();
    this.chats.load();
  }

  showExamples() {
    const box = $("examples");
    if (!box) return;
    // The prompts the builtin agent answers on this network (sessions_app/agent/intents.py).
    const prompts = this.networks.byName(this.networks.value)?.examples ?? [];
    box.replaceChildren(...prompts.map((text) =>
      el("button", { type: "button", class: "btn btn-secondary example", text, onclick: () => this.sendText(text) })));
  }

  sendText(text) {
    const input = $("message");
    input.value = text;
    this.send(input);
  }

  // Edit (new text) and regenerate (same text): the text goes out as a new message that
  // replaces this one and what followed. The server takes them out only when it accepts the
  // new turn (its session.state then hides them); refused, the chat stays as it was.
  // Resolves true when accepted, false when refused.
  resendFrom(entry, text) {
    if (!this.sessionId || $("send").disabled) return Promise.resolve(false);
    const clientMsgId = this.sendMessage(text, { supersedes: Number(entry.node.dataset.messageId) });
    this.transcript.setBusy(true); // one edit or regenerate at a time
    return new Promise((done) => this.replacing.set(clientMsgId, done));
  }

  refuseReplacements() {
    for (const [clientMsgId, done] of this.replacing) {
      this.transcript.dropPending(clientMsgId);
      this.outbox.delete(clientMsgId);
      clearTimeout(this.timers.get(clientMsgId));
      this.timers.delete(clientMsgId);
      done(false);
    }
    this.replacing.clear();
    this.transcript.setBusy(document.body.classList.contains("is-processing"));
  }

  regenerate(answer) {
    const question = this.transcript.userEntry(answer.replyTo);
    if (question) this.resendFrom(question, question.text);
  }

  // Ask before acting: whether the agent's dev-account writes wait for a Confirm card.
  async setAskFirst(box) {
    if (!this.sessionId) return;
    const url = `/api/sessions/${encodeURIComponent(this.sessionId)}/confirm-actions`;
    const { status, body } = await postJson(url, { on: box.checked });
    if (status === 200) box.checked = Boolean(body.session.confirm_actions);
    else {
      box.checked = !box.checked;
      this.transcript.note(body?.error?.message ?? "Could not change that setting; try again.", "error");
    }
  }

  showApproval(request) {
    if (!request?.request_id || this.approvals.has(request.request_id)) return;
    const card = approvalCard(request, this.wallet, (outcome) =>
      this.socket?.send({ type: "wallet.result", request_id: request.request_id, ...outcome }),
    );
    this.approvals.set(request.request_id, card);
    this.transcript.append(card);
  }

  bindComposer() {
    const form = $("composer");
    const input = $("message");
    // The box grows with its text (up to a limit set in CSS), and shrinks back after sending.
    const grow = () => {
      input.style.height = "";
      if (!input.value) return; // empty: its natural one-line height
      input.style.height = "auto";
      input.style.height = `${input.scrollHeight + 2}px`;
    };
    input.addEventListener("input", grow);
    input.addEventListener("input", () => this.countChars());
    this.growInput = grow;
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.send(input);
    });
    $("stop").addEventListener("click", () => {
      this.socket?.send({ type: "chat.interrupt" });
      $("stop").disabled = true;
    });
  }

  send(input) {
    const text = input.value.trim();
    if (!text || !this.sessionId || $("send").disabled) return;
    if (this.countChars()) {
      input.focus(); // over the limit: the counter says why, and the text stays to shorten
      return;
    }
    this.sendMessage(text);
    input.value = "";
    this.growInput();
    this.countChars();
    input.focus();
  }

  // Near the limit, how many characters; over it, that the message is too long to send (a
  // maxlength would cut a paste without a word). Returns whether it is over.
  countChars() {
    const input = $("message");
    const max = Number(input.dataset.maxChars) || Infinity;
    const count = [...input.value.trim()].length; // code points, as the server counts
    const over = count > max;
    const box = $("message-count");
    box.hidden = count < max * COUNT_FROM;
    box.classList.toggle("over", over);
    box.textContent = over
      ? `${formatCount(count)} / ${formatCount(max)} characters: too long to send. Shorten it by ${formatCount(count - max)} characters or split it into parts.`
      : `${formatCount(count)} / ${formatCount(max)} characters`;
    input.setAttribute("aria-invalid", over ? "true" : "false");
    return over;
  }

  // One chat.message, shown at once as "sending"; ``extra`` carries an edit's supersedes.
  sendMessage(text, extra = {}) {
    const event = { type: "chat.message", text, network: this.networks.value, client_msg_id: randomId(), ...extra };
    if (this.wallet.address) event.wallet = this.wallet.address;
    this.outbox.set(event.client_msg_id, event);
    this.transcript.addPending(event.client_msg_id, text, event.network);
    this.follow.toEnd(); // the sent message is in view, and its answer is followed
    this.deliver(event);
    this.startTimer(event.client_msg_id);
    return event.client_msg_id;
  }

  startTimer(clientMsgId) {
    clearTimeout(this.timers.get(clientMsgId));
    this.timers.set(clientMsgId, setTimeout(() => this.transcript.markNotSent(clientMsgId, true), SEND_TIMEOUT_MS));
  }

  // Retry sends the same client_msg_id: if the first one did arrive, the server ignores this.
  retry(clientMsgId) {
    const event = this.outbox.get(clientMsgId);
    if (!event) return;
    if (this.socket && !this.socket.open) this.socket.reconnectNow();
    this.deliver(event);
    this.startTimer(clientMsgId);
  }

  // An expired or closed chat has no socket: a new one connects, and the outbox goes out
  // once the chat's state arrives (flushOutbox), which continues the chat.
  deliver(event) {
    if (this.socket) this.socket.send(event);
    else this.connect();
  }

  // Messages on their way when the chat ended read "not sent"; they stay in the outbox, so
  // Retry, or the next message, sends them into the continued chat.
  holdOutbox() {
    for (const clientMsgId of this.outbox.keys()) {
      this.transcript.markNotSent(clientMsgId, true);
      clearTimeout(this.timers.get(clientMsgId));
    }
  }

  confirmed(clientMsgId) {
    if (!clientMsgId) return;
    this.replacing.get(clientMsgId)?.(true);
    this.replacing.delete(clientMsgId);
    this.outbox.delete(clientMsgId);
    clearTimeout(this.timers.get(clientMsgId));
    this.timers.delete(clientMsgId);
  }

  refuseOutbox() {
    for (const clientMsgId of this.outbox.keys()) {
      this.transcript.markNotSent(clientMsgId);
      clearTimeout(this.timers.get(clientMsgId));
    }
    this.outbox.clear();
    this.timers.clear();
  }

  // A wallet request answered here, in another tab of this session, or expired.
  settleApprovals(messages, pending) {
    for (const message of messages) {
      const card = this.approvals.get(message.metadata?.request_id);
      if (card && message.metadata?.kind === "wallet_result") card.settleOnce(`Answered: ${message.metadata.wallet_status}.`);
    }
    if (pending !== undefined && !pending) {
      for (const card of this.approvals.values()) card.settleOnce("No longer pending.");
    }
  }

  // Messages typed while the connection was down; the server ignores a repeated client_msg_id.
  flushOutbox() {
    for (const event of this.outbox.values()) this.socket?.send(event);
  }

  setProcessing(on) {
    this.transcript.setBusy(on);
    document.body.classList.toggle("is-processing", on);
    $("transcript").setAttribute("aria-busy", on ? "true" : "false");
    $("processing").hidden = !on;
    $("stop").hidden = !on;
    $("stop").disabled = !on;
  }

  setComposerEnabled(on) {
    $("send").disabled = !on;
    $("message").disabled = !on;
  }
}

new ChatPage().start();
