"""Assistant text as sanitized HTML: markdown rendered on the server, cleaned by nh3."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

# Raw HTML in the source is escaped by the parser, and nh3 strips anything unsafe that remains.
# No links: assistant text quotes chains and tools (token names, contract strings, revert
# reasons), so "[claim your airdrop](https://evil.example)" would become a clickable phishing
# link. Link syntax stays as the literal text it is; images likewise.
_markdown = (
    MarkdownIt("commonmark", {"html": False, "linkify": False})
    .enable("table")
    .disable(["link", "image", "autolink", "reference"])
)
# No "a" (see above).
_ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "ul", "ol", "li", "blockquote",
    "h1", "h2", "h3", "h4", "table", "thead", "tbody", "tr", "th", "td", "hr",
}  # fmt: skip


def render_markdown(text: str) -> str:
    html = _markdown.render(text)
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={},
        url_schemes=set(),
        link_rel=None,
    )
