// The sessions page: resume (this tab takes the session over) and close.
import { el } from "./dom.js";
import { postJson } from "./http.js";

const SESSION_KEY = "evmchat.session";

for (const row of document.querySelectorAll("tr[data-session-id]")) {
  const id = row.dataset.sessionId;
  row.querySelector(".resume")?.addEventListener("click", () => sessionStorage.setItem(SESSION_KEY, id));
  const close = row.querySelector(".close-session");
  close?.addEventListener("click", () => confirmClose(row, id, close));
}

// Closing asks first, in the row itself (no browser dialog).
function confirmClose(row, id, close) {
  const cell = row.querySelector(".actions");
  const yes = el("button", { type: "button", class: "btn btn-danger confirm-close", text: "Yes, close it" });
  const no = el("button", { type: "button", class: "btn btn-secondary", text: "Cancel" });
  const question = el("span", { class: "confirm-question", text: "Close this chat? It will accept no new messages." });
  const kept = [...cell.children];
  cell.replaceChildren(question, yes, no);
  no.addEventListener("click", () => cell.replaceChildren(...kept));
  yes.addEventListener("click", async () => {
    yes.disabled = true;
    const { status, body } = await postJson(`/api/sessions/${encodeURIComponent(id)}/close`);
    const state = row.querySelector(".status");
    cell.replaceChildren(...kept);
    if (status === 200) {
      state.textContent = body.session.status;
      state.className = `status status-${body.session.status}`;
      row.querySelector(".resume").textContent = "View";
      close.remove();
    } else {
      state.textContent = body?.error?.message ?? `Could not close (HTTP ${status})`;
    }
  });
}

// Times are rendered in UTC on the server; show them in the reader's own time zone.
for (const time of document.querySelectorAll("time[datetime]")) {
  const when = new Date(time.getAttribute("datetime"));
  if (!Number.isNaN(when.getTime())) {
    time.title = time.textContent;
    time.textContent = when.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  }
}
