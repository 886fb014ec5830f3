// Ask before acting: the card of a write or a signature the agent wants to make with a dev
// account (a wallet request of kind "confirm"). Nothing runs until Confirm; the server then
// runs exactly the arguments shown here. Reject tells the agent the person declined.
import { el, prettyJson } from "./dom.js";

function argumentRows(args) {
  return Object.entries(args ?? {}).map(([name, value]) => [
    el("dt", { text: name }),
    el("dd", { class: `field-arg-${name}`, text: typeof value === "string" ? value : prettyJson(value) }),
  ]);
}

// respond({status: "confirmed"}) confirms, respond({status: "rejected", reason:
// "rejected_on_card"}) declines; both go out as wallet.result.
export function confirmCard(event, respond) {
  const tool = event.summary?.tool ?? "";
  const signing = tool.startsWith("sign_");
  const outcome = el("p", { class: "approval-outcome", role: "status" });
  const confirm = el("button", { type: "button", class: "btn btn-primary approve confirm-action", text: "Confirm" });
  const reject = el("button", { type: "button", class: "btn btn-danger reject", text: "Reject" });
  const actions = el("div", { class: "approval-actions" }, confirm, reject);
  const card = el("section", { class: "approval-card confirm-card", "aria-label": "Confirm the agent's action", "data-request-id": event.request_id },
    el("h3", { text: signing ? "Confirm this signature?" : "Confirm this transaction?" }),
    el("dl", { class: "approval-fields" },
      el("dt", { text: "Action" }), el("dd", { class: "field-description", text: event.description ?? "" }),
      el("dt", { text: "Tool" }), el("dd", { class: "field-tool", text: tool }),
      el("dt", { text: "Network" }), el("dd", { class: "field-network", text: event.network ?? "" }),
      argumentRows(event.summary?.arguments)),
    actions, outcome);

  let settled = false;
  // Answered: the buttons go, the outcome stays.
  const settle = (text, kind) => {
    settled = true;
    actions.remove();
    outcome.textContent = text;
    card.classList.add(`approval-${kind}`);
  };
  confirm.addEventListener("click", () => {
    respond({ status: "confirmed" });
    settle("Confirmed: the agent runs it now.", "sent");
  });
  reject.addEventListener("click", () => {
    respond({ status: "rejected", reason: "rejected_on_card" });
    settle("You rejected it: nothing was run.", "rejected");
  });
  card.settleOnce = (text) => {
    if (!settled) settle(text, "answered");
  };
  return card;
}
