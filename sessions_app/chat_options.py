"""A chat's own settings, set from the page: ask before acting (agent/confirmations.py)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from chatproject.lib.errors import json_error
from sessions_app import manager
from sessions_app.api import allow, bad_request, read_json
from sessions_app.models import ChatSession
from sessions_app.owner import owner_from_request
from sessions_app.serializers import chat_session_dict


@allow("POST")
def confirm_actions(request: HttpRequest, public_id: str) -> JsonResponse:
    """{"on": true | false}: whether the agent's dev-account writes wait for a Confirm."""
    try:
        chat_session = manager.get_for_owner(public_id, owner_from_request(request))
        on = read_json(request).get("on")
    except manager.ChatSessionError as exc:
        return exc.response()
    except ValueError as exc:
        return bad_request(exc)
    if not isinstance(on, bool):
        return json_error("bad_request", '"on" must be true or false.', 400)
    ChatSession.objects.filter(pk=chat_session.pk).update(confirm_actions=on)
    chat_session.confirm_actions = on
    return JsonResponse({"session": chat_session_dict(chat_session)})
