// The share dialog of a chat (sidebar): makes its read-only link, shows it with a copy
// button, and takes it back (Unshare). The link shows the chat as it is when shared.
import { copyButton, el } from "./dom.js";
import { postJson } from "./http.js";

export function openShareDialog(chat) {
  const id = encodeURIComponent(chat.id);
  const link = el("input", { type: "text", class: "share-link", readonly: true, "aria-label": "Share link" });
  const status = el("p", { class: "share-status", role: "status", text: "Making the link…" });
  const row = el("div", { class: "share-link-row", hidden: true }, link, copyButton(() => link.value, "Copy link", "Copy the share link"));
  const unshare = el("button", { type: "button", class: "btn btn-danger share-unshare", text: "Unshare", disabled: true });
  const close = el("button", { type: "button", class: "btn btn-secondary share-close", text: "Close" });
  const exports = el("p", { class: "share-export" }, "Download: ",
    el("a", { href: `/api/sessions/${id}/export?format=md`, download: "", text: "Markdown" }), " · ",
    el("a", { href: `/api/sessions/${id}/export?format=json`, download: "", text: "JSON" }));
  const dialog = el("dialog", { class: "share-dialog", "aria-label": "Share this chat" },
    el("h2", { text: `Share “${chat.title || "Untitled chat"}”` }),
    el("p", { text: "Anyone with the link can read this chat as it is now, with its tool calls. Messages written later are not shown unless you share again." }),
    row, status, exports, el("div", { class: "share-actions" }, unshare, close));
  close.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => dialog.remove());
  unshare.addEventListener("click", async () => {
    unshare.disabled = true;
    const { status: code, body } = await postJson(`/api/sessions/${id}/unshare`);
    if (code !== 200) {
      status.textContent = body?.error?.message ?? "Could not stop sharing; try again.";
      unshare.disabled = false;
      return;
    }
    row.hidden = true;
    link.value = "";
    status.textContent = "Not shared: the link no longer opens this chat.";
  });
  document.body.append(dialog);
  dialog.showModal();
  share(id, link, row, status, unshare);
  return dialog;
}

async function share(id, link, row, status, unshare) {
  const { status: code, body } = await postJson(`/api/sessions/${id}/share`);
  if (code !== 200) {
    status.textContent = body?.error?.message ?? "Could not share this chat; try again.";
    return;
  }
  link.value = body.url;
  row.hidden = false;
  status.textContent = "Shared. Copy the link and send it to whoever should read this chat.";
  unshare.disabled = false;
  link.focus();
  link.select();
}
