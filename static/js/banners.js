// Page banners, one per concern (server full, expired, network down, connection lost).
import { el } from "./dom.js";

export class Banners {
  constructor(root) {
    this.root = root;
    this.shown = new Map();
  }

  show(key, { kind = "info", text, actions = [] }) {
    this.hide(key);
    const buttons = actions.map(({ label, onClick }) =>
      el("button", { type: "button", class: "btn btn-secondary", onclick: onClick, text: label }),
    );
    const banner = el(
      "div",
      { class: `banner banner-${kind}`, role: kind === "info" ? "status" : "alert", "data-banner": key },
      el("span", { class: "banner-text", text }),
      buttons,
    );
    this.root.append(banner);
    this.shown.set(key, banner);
    return banner;
  }

  hide(key) {
    this.shown.get(key)?.remove();
    this.shown.delete(key);
  }

  has(key) {
    return this.shown.has(key);
  }
}
