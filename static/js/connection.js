// The chat websocket: reconnects by itself with exponential backoff (and jitter).

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 15000;

export class ChatSocket {
  constructor(url, { onEvent, onOpen, onDown }) {
    this.url = url;
    this.onEvent = onEvent;
    this.onOpen = onOpen;
    this.onDown = onDown;
    this.attempt = 0;
    this.stopped = false;
    this.socket = null;
    this.timer = null;
  }

  connect() {
    if (this.stopped) return;
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.attempt = 0;
      this.onOpen();
    });
    socket.addEventListener("message", (frame) => this.dispatch(frame.data));
    socket.addEventListener("close", (event) => this.closed(socket, event));
  }

  dispatch(data) {
    let event;
    try {
      event = JSON.parse(data);
    } catch {
      return;
    }
    if (event && typeof event.type === "string") this.onEvent(event);
  }

  closed(socket, event) {
    if (socket !== this.socket || this.stopped) return;
    const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** this.attempt);
    const jittered = Math.round(delay * (0.75 + Math.random() * 0.5));
    this.attempt += 1;
    this.timer = setTimeout(() => this.connect(), jittered);
    this.onDown(jittered, event.code); // may stop() us, which clears the timer just set
  }

  get open() {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  send(event) {
    if (!this.open) return false;
    this.socket.send(JSON.stringify(event));
    return true;
  }

  reconnectNow() {
    clearTimeout(this.timer);
    this.attempt = 0;
    if (this.socket && this.socket.readyState <= WebSocket.OPEN) this.socket.close();
    else this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.socket?.close();
  }
}
