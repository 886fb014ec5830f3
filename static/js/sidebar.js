// The chat list beside the conversation: this owner's chats, newest first, with search,
// share (share_dialog.js), rename and delete (asks first). Narrow screens show it as a panel
// behind a "Chats" button.
import { el, shortTime } from "./dom.js";
import { getJson, postJson } from "./http.js";
import { openShareDialog } from "./share_dialog.js";

const SEARCH_DELAY_MS = 250;

export class ChatList {
  constructor({ root, list, empty, search, toggle, closer, currentId, onDeleted }) {
    this.root = root;
    this.list = list;
    this.empty = empty;
    this.search = search;
    this.toggle = toggle;
    this.currentId = currentId;
    this.onDeleted = onDeleted;
    this.timer = null;
    this.loading = 0;
    this.editing = false; // a rename box or a delete question is open in the list
    search.addEventListener("input", () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.endEdit(), SEARCH_DELAY_MS); // searching leaves it
    });
    toggle.addEventListener("click", () => this.setOpen(!this.isOpen()));
    closer.addEventListener("click", () => {
      this.setOpen(false);
      toggle.focus();
    });
    // On a narrow screen the list covers the page: a tap beside it closes it.
    document.addEventListener("click", (event) => {
      // (a button that replaced itself, e.g. Rename, is no longer in the page: not "beside")
      if (!this.isOpen() || !event.target.isConnected) return;
      if (!root.contains(event.target) && !toggle.contains(event.target)) this.setOpen(false);
    });
    root.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this.isOpen()) {
        this.setOpen(false);
        toggle.focus();
      }
    });
  }

  isOpen() {
    return document.body.classList.contains("sidebar-open");
  }

  setOpen(open) {
    document.body.classList.toggle("sidebar-open", open);
    this.toggle.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) this.search.focus();
  }

  setCurrent(id) {
    this.currentId = id;
    for (const item of this.list.children) {
      const link = item.querySelector(".chat-link");
      if (item.dataset.sessionId === id) link?.setAttribute("aria-current", "page");
      else link?.removeAttribute("aria-current");
    }
  }

  // The list refreshes on its own (an answer ends, the tab comes back): never under an open
  // rename or delete question, or the user's half-typed title would vanish. Each way out of
  // one (save, cancel, Escape, delete, a search) loads the list again.
  async load() {
    if (this.editing) return;
    const query = this.search.value.trim();
    const ticket = ++this.loading; // a slower earlier answer must not overwrite a newer one
    const { status, body } = await getJson(`/api/chats${query ? `?q=${encodeURIComponent(query)}` : ""}`);
    if (ticket !== this.loading || status !== 200) return;
    this.draw(body.chats);
    this.empty.textContent = query ? `No chat mentions “${query}”.` : "No chats yet: your conversations will show here.";
    this.empty.hidden = body.chats.length > 0;
    this.root.dataset.loaded = "true";
  }

  // A chat whose title is unchanged keeps its row (its time brought up to date), and the list
  // is rebuilt only when its rows change: a refresh that redrew a row between the press on one
  // of its buttons and the release would eat the click.
  draw(chats) {
    const rows = new Map([...this.list.children].map((row) => [row.dataset.sessionId, row]));
    const items = chats.map((chat) => {
      const row = rows.get(chat.id);
      const time = row?.dataset.title === (chat.title || "") ? row.querySelector(".chat-time") : null;
      if (!time) return this.item(chat); // new, renamed, or holding a rename box or a question
      time.dateTime = chat.last_activity_at;
      time.textContent = shortTime(chat.last_activity_at);
      return row;
    });
    const children = [...this.list.children];
    if (items.length !== children.length || items.some((item, i) => item !== children[i])) {
      this.list.replaceChildren(...items);
    }
    this.setCurrent(this.currentId); // a kept row may have been the current chat, or become it
  }

  item(chat) {
    const title = chat.title || "Untitled chat";
    const link = el("a", { class: "chat-link", href: `/c/${encodeURIComponent(chat.id)}`, title },
      el("span", { class: "chat-title", text: title }));
    const when = el("time", { class: "chat-time", datetime: chat.last_activity_at, text: shortTime(chat.last_activity_at) });
    if (chat.id === this.currentId) link.setAttribute("aria-current", "page");
    const rename = el("button", { type: "button", class: "btn-icon chat-rename", text: "Rename", "aria-label": `Rename “${title}”` });
    const remove = el("button", { type: "button", class: "btn-icon chat-delete", text: "Delete", "aria-label": `Delete “${title}”` });
    const share = el("button", { type: "button", class: "btn-icon chat-share", text: "Share", "aria-label": `Share “${title}”` });
    const item = el("li", { class: "chat-item", "data-session-id": chat.id, "data-title": chat.title || "" },
      link, el("div", { class: "chat-item-meta" }, when, el("span", { class: "chat-item-actions" }, share, rename, remove)));
    share.addEventListener("click", () => openShareDialog(chat));
    rename.addEventListener("click", () => this.startRename(item, chat));
    remove.addEventListener("click", () => this.confirmDelete(item, chat));
    return item;
  }

  beginEdit(item, editor) {
    this.editing = true;
    this.loading += 1; // an answer already on its way is dropped
    item.replaceChildren(editor);
  }

  endEdit() {
    this.editing = false;
    return this.load();
  }

  startRename(item, chat) {
    const box = el("input", { type: "text", class: "chat-rename-box", "aria-label": "Chat title", maxlength: 120 });
    box.value = chat.title || "";
    const form = el("form", { class: "chat-rename-form" }, box,
      el("button", { type: "submit", class: "btn btn-primary", text: "Save" }),
      el("button", { type: "button", class: "btn btn-secondary", text: "Cancel", onclick: () => this.endEdit() }));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const { status, body } = await postJson(`/api/sessions/${encodeURIComponent(chat.id)}/rename`, { title: box.value });
      if (status === 200) this.endEdit();
      else this.problem(form, body?.error?.message ?? "Could not rename this chat.");
    });
    box.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.stopPropagation();
        this.endEdit();
      }
    });
    this.beginEdit(item, form);
    box.focus();
    box.select();
  }

  confirmDelete(item, chat) {
    const yes = el("button", { type: "button", class: "btn btn-danger confirm-delete", text: "Delete" });
    const no = el("button", { type: "button", class: "btn btn-secondary", text: "Cancel" });
    const question = el("div", { class: "chat-confirm", role: "alertdialog", "aria-label": "Delete this chat?" },
      el("p", { text: `Delete “${chat.title || "Untitled chat"}” and its messages? This cannot be undone.` }),
      el("div", { class: "chat-confirm-actions" }, yes, no));
    no.addEventListener("click", () => this.endEdit());
    yes.addEventListener("click", async () => {
      yes.disabled = true;
      const { status, body } = await postJson(`/api/sessions/${encodeURIComponent(chat.id)}/delete`);
      if (status !== 200) return this.problem(question, body?.error?.message ?? "Could not delete this chat.");
      item.remove();
      if (chat.id === this.currentId) this.onDeleted();
      return this.endEdit();
    });
    this.beginEdit(item, question);
    no.focus();
  }

  problem(where, text) {
    where.querySelector(".chat-problem")?.remove();
    where.append(el("p", { class: "chat-problem", role: "alert", text }));
  }
}
