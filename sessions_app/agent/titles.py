"""Chat titles from the model, when a model provider is configured (best effort).

The first message already gave the session a title (turns.title_from); after the first turn
the model is asked for a better one. Any failure keeps the first-message title.
"""

from __future__ import annotations

import logging

from django.conf import settings

from chatproject.lib.dbthreads import db
from sessions_app.models import ChatSession
from sessions_app.turns import title_from

log = logging.getLogger(__name__)
NO_TITLE = "the model gave no title; keeping the first message's"

TITLE_PROMPT = (
    "Write a title of at most six words for a chat that starts with the message below. "
    "Answer with the title only, no quotes.\n\n"
)


async def model_title(first_message: str) -> str | None:
    """The model's title, or None: the builtin agent, no key, or the model's API failed."""
    prompt = TITLE_PROMPT + first_message[:1000]
    provider = settings.AGENT_PROVIDER
    if provider == "anthropic" and settings.ANTHROPIC_API_KEY:
        return await anthropic_title(prompt)
    if provider == "openai" and (settings.OPENAI_API_KEY or settings.OPENAI_BASE_URL):
        return await openai_title(prompt)
    return None


# Each SDK is imported where it is used (as providers.py does): a backend of the builtin
# agent never loads them, which saves it about 1.5 s of CPU at each start.
async def anthropic_title(prompt: str) -> str | None:
    import anthropic

    try:
        async with anthropic.AsyncAnthropic(
            api_key=settings.ANTHROPIC_API_KEY, base_url=settings.ANTHROPIC_BASE_URL or None
        ) as claude:
            reply = await claude.messages.create(
                model=settings.ANTHROPIC_MODEL,
                max_tokens=24,
                messages=[{"role": "user", "content": prompt}],
            )
    except anthropic.APIError:
        log.info(NO_TITLE)
        return None
    return "".join(getattr(block, "text", "") for block in reply.content) or None


async def openai_title(prompt: str) -> str | None:
    import openai

    try:
        async with openai.AsyncOpenAI(
            api_key=settings.OPENAI_API_KEY or "not-needed",
            base_url=settings.OPENAI_BASE_URL or None,
        ) as gpt:
            completion = await gpt.chat.completions.create(
                model=settings.OPENAI_MODEL,
                max_tokens=24,
                messages=[{"role": "user", "content": prompt}],
            )
    except openai.APIError:
        log.info(NO_TITLE)
        return None
    return completion.choices[0].message.content if completion.choices else None


async def retitle(chat_session_id: int, first_message: str) -> None:
    """Replace the first-message title with the model's, if the model gives one."""
    title = await model_title(first_message)
    cleaned = title_from((title or "").strip().strip("\"'"), limit=80)
    if cleaned:
        await db(_save_title)(chat_session_id, cleaned)


def _save_title(chat_session_id: int, title: str) -> None:
    ChatSession.objects.filter(pk=chat_session_id).update(title=title)
