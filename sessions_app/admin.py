"""The admin: every chat session with its history, read-only, and an action to expire sessions."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, IntegerField, Model, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from sessions_app import manager
from sessions_app.models import ChatSession, Message, ToolCall, WalletRequest


def count_per_session(model: type[Model]) -> Coalesce:
    """A correlated COUNT of ``model`` rows for the outer chat session, 0 when there are none.

    Subqueries rather than Count() over two joins: joining messages and tool calls together
    would multiply the rows of a long session, and one query per row is what we avoid.
    """
    rows = (
        model._default_manager.filter(chat_session=OuterRef("pk"))
        .order_by()
        .values("chat_session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


ERROR_CHARS = 120  # an error's text in a list row; the change page shows all of it
NOTHING = "—"  # an empty field; in the error column, a call that succeeded


def pretty_json(value: Any) -> SafeString | str:
    """JSON indented in a <pre>, as a person reads it; "—" when there is nothing."""
    if value is None or value == {} or value == []:
        return NOTHING
    text = json.dumps(value, indent=2, ensure_ascii=False, default=str)
    return format_html('<pre class="json">{}</pre>', text)  # styled by css/admin.css


def error_text(call: ToolCall, limit: int | None = ERROR_CHARS) -> str:
    """What went wrong in a tool call, from its stored result ({code, message}), or "—"."""
    if not call.is_error:
        return NOTHING
    result = call.result if isinstance(call.result, dict) else {}
    text = str(result.get("message") or result.get("code") or "error")
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


class JsonDisplayMixin:
    """The JSON fields of the history, pretty-printed on the read-only pages."""

    class Media:
        css = {"all": ["css/admin.css"]}

    @admin.display(description="metadata")
    def metadata_json(self, obj: Message) -> SafeString | str:
        return pretty_json(obj.metadata)

    @admin.display(description="arguments")
    def arguments_json(self, obj: ToolCall) -> SafeString | str:
        return pretty_json(obj.arguments)

    @admin.display(description="result")
    def result_json(self, obj: ToolCall) -> SafeString | str:
        return pretty_json(obj.result)

    @admin.display(description="error", ordering="is_error")
    def error(self, obj: ToolCall) -> str:
        return error_text(obj)

    @admin.display(description="transaction")
    def transaction_json(self, obj: WalletRequest) -> SafeString | str:
        return pretty_json(obj.transaction)

    @admin.display(description="calls")
    def calls_json(self, obj: WalletRequest) -> SafeString | str:
        return pretty_json(obj.calls)

    @admin.display(description="transaction hashes")
    def tx_hashes_json(self, obj: WalletRequest) -> SafeString | str:
        return pretty_json(obj.tx_hashes)

    @admin.display(description="signature request")
    def signature_request_json(self, obj: WalletRequest) -> SafeString | str:
        return pretty_json(obj.signature_request)

    @admin.display(description="summary")
    def summary_json(self, obj: WalletRequest) -> SafeString | str:
        return pretty_json(obj.summary)


class ReadOnlyMixin:
    """Rows written by the app only: the admin may look, never add, edit or delete."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MessageInline(ReadOnlyMixin, JsonDisplayMixin, admin.TabularInline):
    model = Message
    fields = ("seq", "role", "content", "metadata_json", "created_at")
    readonly_fields = fields
    ordering = ["seq"]
    extra = 0


class ToolCallInline(ReadOnlyMixin, JsonDisplayMixin, admin.TabularInline):
    model = ToolCall
    fields = (
        "created_at",
        "network",
        "tool",
        "arguments_json",
        "result_json",
        "error",
        "duration_ms",
    )
    readonly_fields = fields
    ordering = ["created_at", "pk"]
    extra = 0


class WalletRequestInline(ReadOnlyMixin, admin.TabularInline):
    model = WalletRequest
    fields = ("created_at", "public_id", "network", "status", "tx_hash", "reason", "answered_at")
    readonly_fields = fields
    ordering = ["created_at", "pk"]
    extra = 0


@admin.register(ChatSession)
class ChatSessionAdmin(admin.ModelAdmin):
    list_display = [
        "short_id",
        "title_shown",
        "owner",
        "network",
        "status",
        "message_count",
        "tool_call_count",
        "created_at",
        "last_activity_at",
    ]
    list_filter = ["status", "network"]
    # Message text spans a reverse relation; the changelist then removes duplicates itself.
    search_fields = ["public_id", "title", "user__username", "messages__content"]
    list_select_related = ["user"]
    ordering = ["-last_activity_at"]
    date_hierarchy = "created_at"
    readonly_fields = (
        "public_id",
        "owner",
        "user",
        "network",
        "title",
        "status",
        "processing",
        "message_seq",
        "created_at",
        "last_activity_at",
    )
    fields = readonly_fields
    inlines = [MessageInline, ToolCallInline, WalletRequestInline]
    actions = ["expire_selected"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ChatSession]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                message_total=count_per_session(Message),
                tool_call_total=count_per_session(ToolCall),
            )
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # sessions are issued to browsers by the app, never typed in

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """Every field is read-only: no Save buttons (change permission is for the expire
        action of the list, not for editing history)."""
        no_save = {"show_save": False, "show_save_and_continue": False}
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), **no_save}
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)  # deleting history is the superuser's call

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        """A session's messages and tool calls go with it: the superuser (the only one who
        gets here) needs no delete permission on the history, which stays read-only."""
        deleted, counts, _perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected

    @admin.display(description="id", ordering="public_id")
    def short_id(self, obj: ChatSession) -> str:
        return obj.short_id

    @admin.display(description="title", ordering="title")
    def title_shown(self, obj: ChatSession) -> str:
        return obj.title or "(untitled)"

    @admin.display(description="owner", ordering="user__username")
    def owner(self, obj: ChatSession) -> str:
        if obj.user is not None:
            return obj.user.get_username()
        # owner_key is a keyed hash, never the browser's cookie; even so it is not shown.
        return "anonymous browser" if obj.owner_key else "-"

    @admin.display(description="messages", ordering="message_total")
    def message_count(self, obj: ChatSession) -> int:
        return int(getattr(obj, "message_total", 0))

    @admin.display(description="tool calls", ordering="tool_call_total")
    def tool_call_count(self, obj: ChatSession) -> int:
        return int(getattr(obj, "tool_call_total", 0))

    @admin.action(description="Expire selected sessions", permissions=["change"])
    def expire_selected(self, request: HttpRequest, queryset: QuerySet[ChatSession]) -> None:
        active = list(queryset.filter(status=ChatSession.Status.ACTIVE))
        for chat_session in active:
            manager.expire(chat_session)  # also clears processing and the pending request
        self.message_user(request, f"Expired {len(active)} session(s).", messages.SUCCESS)


@admin.register(Message)
class MessageAdmin(ReadOnlyMixin, JsonDisplayMixin, admin.ModelAdmin):
    list_display = ["chat_session", "seq", "role", "short_content", "created_at"]
    fields = (
        "chat_session",
        "seq",
        "role",
        "content",
        "html",
        "superseded_at",
        "metadata_json",
        "client_msg_id",
        "created_at",
    )
    readonly_fields = fields
    list_filter = ["role"]
    search_fields = ["content", "chat_session__public_id"]
    list_select_related = ["chat_session"]
    ordering = ["-created_at"]

    @admin.display(description="content")
    def short_content(self, obj: Message) -> str:
        return obj.content if len(obj.content) <= 80 else obj.content[:79] + "…"


@admin.register(ToolCall)
class ToolCallAdmin(ReadOnlyMixin, JsonDisplayMixin, admin.ModelAdmin):
    # "error" shows the error's text, "—" for none: the is_error boolean drew a red ✗ for
    # every successful call.
    list_display = ["chat_session", "network", "tool", "error", "duration_ms", "created_at"]
    fields = (
        "chat_session",
        "message",
        "call_id",
        "network",
        "tool",
        "arguments_json",
        "result_json",
        "full_error",
        "duration_ms",
        "created_at",
    )
    readonly_fields = fields
    list_filter = ["network", "is_error", "tool"]
    search_fields = ["tool", "chat_session__public_id"]
    list_select_related = ["chat_session"]
    ordering = ["-created_at"]

    @admin.display(description="error")
    def full_error(self, obj: ToolCall) -> str:
        return error_text(obj, limit=None)


@admin.register(WalletRequest)
class WalletRequestAdmin(ReadOnlyMixin, JsonDisplayMixin, admin.ModelAdmin):
    list_display = ["public_id", "chat_session", "network", "status", "created_at", "answered_at"]
    list_filter = ["status", "network"]
    search_fields = ["public_id", "tx_hash", "chat_session__public_id"]
    list_select_related = ["chat_session"]
    ordering = ["-created_at"]
    fields = (
        "public_id",
        "chat_session",
        "tool_call",
        "network",
        "kind",
        "description",
        "transaction_json",
        "calls_json",
        "signature_request_json",
        "summary_json",
        "status",
        "tx_hash",
        "tx_hashes_json",
        "signature",
        "reason",
        "created_at",
        "answered_at",
    )
    readonly_fields = fields
