// The sessions page: resume (this tab takes the session over) and close.
import { postJson } from "./http.js";

const SESSION_KEY = "evmchat.session";

for (const row of document.querySelectorAll("tr[data-session-id]")) {
  const id = row.dataset.sessionId;
  row.querySelector(".resume")?.addEventListener("click", () => sessionStorage.setItem(SESSION_KEY, id));
  const close = row.querySelector(".close-session");
  close?.addEventListener("click", async () => {
    close.disabled = true;
    const { status, body } = await postJson(`/api/sessions/${encodeURIComponent(id)}/close`);
    const cell = row.querySelector(".status");
    if (status === 200) {
      cell.textContent = body.session.status;
      cell.className = `status status-${body.session.status}`;
      row.querySelector(".resume").textContent = "View";
      close.remove();
    } else {
      close.disabled = false;
      cell.textContent = body?.error?.message ?? `Could not close (HTTP ${status})`;
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
