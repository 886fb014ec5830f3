// The transcript follows the latest message (a send, streamed text, a tool card or link row
// that grows later) unless the reader has scrolled up; then "Jump to latest" brings them back.

// This close to the end still counts as reading the latest message.
const NEAR_END_PX = 48;

export class Follow {
  constructor(scroller, jumpButton) {
    this.scroller = scroller;
    this.button = jumpButton;
    this.following = true;
    this.lastTop = scroller.scrollTop;
    // Any message growing (or the pane itself, when the composer grows) re-pins the end.
    this.sizes = new ResizeObserver(() => this.keepUp());
    this.sizes.observe(scroller);
    for (const child of scroller.children) this.sizes.observe(child);
    new MutationObserver((records) => this.watch(records)).observe(scroller, { childList: true });
    scroller.addEventListener("scroll", () => this.scrolled(), { passive: true });
    jumpButton.addEventListener("click", () => this.toEnd());
  }

  watch(records) {
    for (const record of records) {
      for (const node of record.addedNodes) if (node instanceof Element) this.sizes.observe(node);
      for (const node of record.removedNodes) if (node instanceof Element) this.sizes.unobserve(node);
    }
    this.keepUp();
  }

  atEnd() {
    const { scrollHeight, scrollTop, clientHeight } = this.scroller;
    return scrollHeight - scrollTop - clientHeight <= NEAR_END_PX;
  }

  // Only a move up leaves the end: content growing between our own scroll and its event
  // must not read as the reader scrolling away.
  scrolled() {
    const top = this.scroller.scrollTop;
    if (this.atEnd()) this.following = true;
    else if (top < this.lastTop) this.following = false;
    this.lastTop = top;
    this.button.hidden = this.following;
  }

  keepUp() {
    if (this.following) this.pin();
  }

  // Sending, loading a chat and the Jump button: to the latest message, and follow it.
  toEnd() {
    this.following = true;
    this.pin();
    this.button.hidden = true;
  }

  pin() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
    this.lastTop = this.scroller.scrollTop;
  }
}
