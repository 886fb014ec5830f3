// The sessions page: each chat opens at its own address (/c/<id>), with the chat list's
// verbs: Share, Rename and Delete (asks first, in the row itself: no browser dialog).
import { el } from "./dom.js";
import { postJson } from "./http.js";
import { openShareDialog } from "./share_dialog.js";

for (const row of document.querySelectorAll("tr[data-session-id]")) {
  const chat = { id: row.dataset.sessionId, title: row.querySelector(".title-text").textContent.trim() };
  row.querySelector(".chat-share").addEventListener("click", () => openShareDialog(chat));
  row.querySelector(".chat-rename").addEventListener("click", () => startRename(row, chat));
  row.querySelector(".chat-delete").addEventListener("click", () => confirmDelete(row, chat));
}

// The row's actions give way to a question or a form; Cancel puts them back.
function ask(row, ...children) {
  const cell = row.querySelector(".actions");
  const kept = [...cell.children];
  cell.replaceChildren(...children);
  return () => cell.replaceChildren(...kept);
}

function startRename(row, chat) {
  const box = el("input", { type: "text", class: "chat-rename-box", "aria-label": "Chat title", maxlength: 120 });
  box.value = chat.title === "Untitled chat" ? "" : chat.title;
  const save = el("button", { type: "submit", class: "btn btn-primary", text: "Save" });
  const cancel = el("button", { type: "button", class: "btn btn-secondary", text: "Cancel" });
  const form = el("form", { class: "chat-rename-form" }, box, save, cancel);
  const restore = ask(row, form);
  cancel.addEventListener("click", restore);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { status, body } = await postJson(`/api/sessions/${encodeURIComponent(chat.id)}/rename`, { title: box.value });
    if (status !== 200) return problem(form, body?.error?.message ?? "Could not rename this chat.");
    chat.title = body.session.title;
    row.querySelector(".title-text").textContent = chat.title;
    restore();
    for (const button of row.querySelectorAll(".actions button")) {
      button.setAttribute("aria-label", `${button.textContent} “${chat.title}”`);
    }
    return undefined;
  });
  box.focus();
}

function confirmDelete(row, chat) {
  const yes = el("button", { type: "button", class: "btn btn-danger confirm-delete", text: "Delete" });
  const no = el("button", { type: "button", class: "btn btn-secondary", text: "Cancel" });
  const question = el("div", { class: "chat-confirm", role: "alertdialog", "aria-label": "Delete this chat?" },
    el("p", { text: `Delete “${chat.title}” and its messages? This cannot be undone.` }),
    el("div", { class: "chat-confirm-actions" }, yes, no));
  const restore = ask(row, question);
  no.addEventListener("click", restore);
  yes.addEventListener("click", async () => {
    yes.disabled = true;
    const { status, body } = await postJson(`/api/sessions/${encodeURIComponent(chat.id)}/delete`);
    if (status === 200) row.remove();
    else problem(question, body?.error?.message ?? "Could not delete this chat.");
  });
  no.focus();
}

function problem(where, text) {
  where.querySelector(".chat-problem")?.remove();
  where.append(el("p", { class: "chat-problem", role: "alert", text }));
}

// Times are rendered in UTC on the server; show them in the reader's own time zone.
for (const time of document.querySelectorAll("time[datetime]")) {
  const when = new Date(time.getAttribute("datetime"));
  if (!Number.isNaN(when.getTime())) {
    time.title = time.textContent;
    time.textContent = when.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  }
}
