// The network selector (client-side only: the choice travels with each message; an opened
// chat sets it to its own network) and the network-down banner fed by GET /api/mcp/health.
import { el } from "./dom.js";
import { getJson } from "./http.js";

const STORAGE_KEY = "evmchat.network";
const HEALTH_EVERY_MS = 20000;

export class NetworkPicker {
  constructor(select, note, networks, banners) {
    this.select = select;
    this.note = note;
    this.networks = networks;
    this.banners = banners;
    this.health = {};
    for (const network of networks) select.append(this.option(network));
    select.addEventListener("change", () => this.changed());
  }

  option(network) {
    const label = network.available
      ? `${network.name} (chain ${network.chain_id})`
      : `${network.name} — ${network.unavailable_reason || "not configured on this server"}`;
    return el("option", { value: network.name, disabled: !network.available, text: label });
  }

  byName(name) {
    return this.networks.find((network) => network.name === name);
  }

  byChainId(chainId) {
    return this.networks.find((network) => network.chain_id === chainId);
  }

  get value() {
    return this.select.value;
  }

  choose(preferred) {
    const stored = sessionStorage.getItem(STORAGE_KEY);
    const usable = [stored, preferred, ...this.networks.map((n) => n.name)].find(
      (name) => name && this.byName(name)?.available,
    );
    if (usable) this.select.value = usable;
    this.changed();
  }

  // Opening a chat: the picker shows the network it was last used on (when this server has
  // it), so the next question runs there and not on the tab's previous choice.
  follow(name) {
    if (!name || !this.byName(name)?.available || this.select.value === name) return;
    this.select.value = name;
    this.select.dispatchEvent(new Event("change")); // stored for the tab, examples redrawn
  }

  changed() {
    sessionStorage.setItem(STORAGE_KEY, this.select.value);
    // Unavailable networks say why in their own (disabled) option; no standing note.
    this.note.textContent = "";
    this.showHealth();
  }

  startHealthPolling() {
    const poll = async () => {
      const { status, body } = await getJson("/api/mcp/health");
      if (status === 200 || status === 503) this.health = readHealth(body);
      this.showHealth();
    };
    poll();
    setInterval(poll, HEALTH_EVERY_MS);
  }

  showHealth() {
    const name = this.select.value;
    const state = this.health[name];
    // "degraded": its server answers but cannot reach the chain; to a person, just as down.
    if (state === "down" || state === "degraded") {
      this.banners.show("network-down", {
        kind: "warning",
        text: `The ${name} network is down right now: its tools cannot be reached. Try again later or pick another network.`,
      });
    } else {
      this.banners.hide("network-down");
    }
  }
}

// Accepts {networks: {name: {state}}}, {networks: [{name, state}]} or {name: state}.
function readHealth(body) {
  const source = body?.networks ?? body ?? {};
  const states = {};
  const entries = Array.isArray(source)
    ? source.map((item) => [item?.name, item])
    : Object.entries(source);
  for (const [name, value] of entries) {
    if (!name) continue;
    const state = typeof value === "string" ? value : value?.state ?? value?.status;
    if (typeof state === "string") states[name] = state;
  }
  return states;
}
