from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from sessions_app.owner import Owner
from sessions_app.rendering import render_markdown

log = logging.getLogger(__name__)

PUBLIC_ID_BYTES = 24  # 192 bits from secrets; 32 URL-safe characters


def new_public_id() -> str:
    return secrets.token_urlsafe(PUBLIC_ID_BYTES)


def new_wallet_request_id() -> str:
    return f"wr_{secrets.token_hex(8)}"


# The statements of every turn are written out (together, as_saved): compiling them with the
# ORM cost more of a backend's CPU than running them (about 0.3 ms each; docs/benchmarks.md).
Statement = tuple[str, list[Any]]


def together(
    statements: Sequence[Statement], then: Sequence[Statement] = ()
) -> list[list[tuple[Any, ...]]]:
    """Run statements of the turn's path in one round trip, as one transaction; the rows each
    returned.

    Several statements go out together (psycopg's pipeline mode) and end with one Sync, at
    which PostgreSQL commits them, or rolls them all back when one fails (the protocol's
    implicit transaction): one round trip where statement by statement took one each, which
    counts when the database is another host; the backend's CPU stays the same
    (docs/benchmarks.md). Inside a caller's transaction they are part of it instead.

    ``then``: statements that must see the others committed (the claim of a session's next
    turn after its end), one round trip later, as a transaction of their own. A failure among
    them loses nothing before it: it is logged, and their rows are empty (no turn claimed); a
    failure before raises and runs none of them.
    """
    rows = _together(statements)
    if not then:
        return rows
    try:
        return rows + _together(then)
    except DatabaseError as exc:
        _log_failure_after_commit(exc)
        return rows + [[] for _ in then]


def _together(statements: Sequence[Statement]) -> list[list[tuple[Any, ...]]]:
    if len(statements) == 1:
        ((sql, params),) = statements
        return [_run(sql, params)]
    connection.ensure_connection()
    cursors = [connection.cursor() for _ in statements]
    try:
        with connection.wrap_database_errors, connection.connection.pipeline():
            for cursor, (sql, params) in zip(cursors, statements, strict=True):
                cursor.execute(sql, params)
        return [list(cursor.fetchall()) if cursor.description else [] for cursor in cursors]
    finally:
        for cursor in cursors:
            cursor.close()


def _run(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def _log_failure_after_commit(exc: DatabaseError) -> None:
    # The unique index on running turns refusing a claim is a race another process won; any
    # other failure leaves the session's queue for its next claim (a message, a socket).
    level = logging.INFO if isinstance(exc, IntegrityError) else logging.WARNING
    log.log(level, "after a commit: %s; the queue waits for its next claim", type(exc).__name__)


M = TypeVar("M", bound=models.Model)


def as_saved(instance: M, **fields: Any) -> M:
    """A model instance for a row written by one of those statements: as if the ORM saved it."""
    for name, value in fields.items():
        setattr(instance, name, value)
    instance._state.adding = False
    instance._state.db = connection.alias
    return instance


def db_json(model: type[models.Model], field: str, value: Any) -> Any:
    """``value`` as the JSON field ``field`` stores it on this database."""
    json_field = model._meta.get_field(field)
    assert isinstance(json_field, models.JSONField)
    return json_field.get_db_prep_save(value, connection)


def idle_cutoffs(now: datetime | None = None) -> tuple[datetime, datetime]:
    """Last activity before which a session is idle: (written in, never written in)."""
    now = now or timezone.now()
    idle = now - timedelta(seconds=settings.SESSION_TIMEOUT)
    empty = now - timedelta(seconds=min(settings.EMPTY_SESSION_TIMEOUT, settings.SESSION_TIMEOUT))
    return idle, empty


class ChatSessionQuerySet(models.QuerySet["ChatSession"]):
    def for_owner(self, owner: Owner) -> ChatSessionQuerySet:
        """The one ownership rule: a user's sessions, or this browser's anonymous ones."""
        if not owner.session_key and owner.user_id is None:
            return self.none()
        rule = Q(pk__in=[])
        if owner.session_key:
            rule |= Q(user__isnull=True, owner_key=owner.key_digest)
        if owner.user_id is not None:
            rule |= Q(user_id=owner.user_id)
        return self.filter(rule)

    def active(self) -> ChatSessionQuerySet:
        return self.filter(status=ChatSession.Status.ACTIVE)

    def with_busy(self) -> ChatSessionQuerySet:
        """Annotated with ``busy`` (a turn is queued or running), which ``processing`` reads
        instead of a query per session."""
        turns = Turn.objects.filter(chat_session=models.OuterRef("pk")).active()
        return self.annotate(busy=models.Exists(turns))

    def stale(self, now: datetime | None = None) -> ChatSessionQuerySet:
        """Active sessions idle past SESSION_TIMEOUT, and those that never got a message idle
        past EMPTY_SESSION_TIMEOUT (a tab opened and left: minutes, not half an hour)."""
        idle_since, empty_since = idle_cutoffs(now)
        idle = Q(last_activity_at__lt=idle_since)
        never_written = Q(message_seq=0, last_activity_at__lt=empty_since)
        return self.active().filter(idle | never_written)

    def holding_places(self, now: datetime | None = None) -> ChatSessionQuerySet:
        """Sessions that count against the caps (sessions_app/manager.py ``take_place``):
        active, written in, and not idle past SESSION_TIMEOUT."""
        idle_since, _ = idle_cutoffs(now)
        active = self.active().filter(place__isnull=False)
        return active.filter(last_activity_at__gte=idle_since)

    def expire_stale(self, now: datetime | None = None) -> list[int]:
        """Expire sessions idle past SESSION_TIMEOUT; their history stays for the admin.
        Returns the ids of the sessions this call expired, for the caller to announce."""
        with transaction.atomic():
            stale = list(self.stale(now).select_for_update().values_list("pk", flat=True))
            Turn.objects.filter(chat_session_id__in=stale).end_all()
            WalletRequest.objects.filter(chat_session_id__in=stale).cancel_pending()
            # The rows are locked and were re-checked under the lock: each one is updated.
            self.filter(pk__in=stale).update(status=ChatSession.Status.EXPIRED, place=None)
            return stale

    def with_pending_wallet_request(self) -> ChatSessionQuerySet:
        """Each session's pending wallet request in one more query, not one per session."""
        pending = WalletRequest.objects.pending()
        return self.prefetch_related(
            models.Prefetch("wallet_requests", queryset=pending, to_attr="pending_wallet_requests")
        )


class ChatSession(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active"
        EXPIRED = "expired"
        CLOSED = "closed"

    public_id = models.CharField(max_length=64, unique=True, default=new_public_id, editable=False)
    owner_key = models.CharField(
        max_length=64,
        help_text="Keyed hash (HMAC-SHA256) of the browser's session key at creation.",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="chat_sessions",
    )
    network = models.CharField(max_length=32, default="testnet", help_text="Network last used.")
    title = models.CharField(max_length=120, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    message_seq = models.PositiveIntegerField(
        default=0, help_text="Sequence number of the last message; makes numbering gap-free."
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now)
    address_key = models.CharField(
        max_length=64,
        blank=True,
        help_text="Keyed hash (HMAC-SHA256) of the client address that created it.",
    )
    place = models.PositiveIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text="Its place below MAX_SESSIONS, taken at its first message.",
    )

    confirm_actions = models.BooleanField(
        null=True, blank=True, help_text="Ask before acting; empty: the provider's default."
    )

    objects = ChatSessionQuerySet.as_manager()

    class Meta:
        constraints = [
            # The deployment cap without a lock: two active chats never share a place, and
            # places are numbered below MAX_SESSIONS (sessions_app/manager.py).
            models.UniqueConstraint(
                fields=["place"],
                condition=Q(status="active", place__isnull=False),
                name="chat_one_place_per_active",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "last_activity_at"], name="chat_status_activity"),
            models.Index(fields=["owner_key", "-last_activity_at"], name="chat_owner_activity"),
            models.Index(fields=["user", "-last_activity_at"], name="chat_user_activity"),
            models.Index(
                fields=["address_key", "last_activity_at"],
                condition=Q(status="active", place__isnull=False),
                name="chat_address_places",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.short_id

    @property
    def short_id(self) -> str:
        return self.public_id[:8]

    @property
    def owner_ref(self) -> str:
        """Who owns this chat, as the MCP servers' spend caps count it (hashed again by
        mcp_proxy.client.owner_tag): the account, else the browser. The same rule as
        ChatSessionQuerySet.for_owner, so every chat of one owner spends one daily budget."""
        if self.user_id is not None:
            return f"user:{self.user_id}"
        return f"browser:{self.owner_key}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def processing(self) -> bool:
        """A turn of this session is queued or running (``busy`` when annotated)."""
        busy = getattr(self, "busy", None)
        return bool(busy) if busy is not None else self.turns.active().exists()

    @property
    def pending_wallet_request(self) -> WalletRequest | None:
        """The request on the approval card (from ``with_pending_wallet_request``'s prefetch
        when the query made one)."""
        prefetched = getattr(self, "pending_wallet_requests", None)
        if prefetched is not None:
            return prefetched[0] if prefetched else None
        return self.wallet_requests.pending().first()

    def reopen(self) -> bool:
        """Ended (idle-expired or closed) -> active again, the same row with its messages,
        title and network: any chat can be continued. Its place among the active chats is
        taken next (sessions_app/manager.py ``reopen``). False when it was active already."""
        now = timezone.now()
        ended = ChatSession.objects.filter(pk=self.pk).exclude(status=self.Status.ACTIVE)
        if not ended.update(status=self.Status.ACTIVE, last_activity_at=now, place=None):
            return False
        self.status, self.last_activity_at, self.place = self.Status.ACTIVE, now, None
        return True

    def is_stale(self, now: datetime | None = None) -> bool:
        return self.is_active and self.last_activity_at < self.idle_cutoff(now)

    def idle_cutoff(self, now: datetime | None = None) -> datetime:
        """Activity before this instant is idle: a never-written chat's window is shorter."""
        idle_since, empty_since = idle_cutoffs(now)
        return empty_since if self.message_seq == 0 else idle_since

    def add_message(
        self,
        role: str,
        content: str,
        metadata: dict[str, Any] | None = None,
        client_msg_id: str = "",
    ) -> Message:
        """Append a message with the next gap-free sequence number (row lock on the session)."""
        with transaction.atomic():
            locked = ChatSession.objects.select_for_update().only("message_seq").get(pk=self.pk)
            seq = locked.message_seq + 1
            ChatSession.objects.filter(pk=self.pk).update(
                message_seq=seq, last_activity_at=timezone.now()
            )
            message = Message.objects.create(
                chat_session=self,
                seq=seq,
                role=role,
                content=content,
                metadata=metadata or {},
                client_msg_id=client_msg_id,
            )
        self.message_seq = seq
        return message


class Message(models.Model):
    class Role(models.TextChoices):
        USER = "user"
        ASSISTANT = "assistant"
        SYSTEM = "system"
        TOOL = "tool"

    chat_session = models.ForeignKey(ChatSession, on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveIntegerField()
    role = models.CharField(max_length=16, choices=Role.choices)
    content = models.TextField(blank=True)
    html = models.TextField(
        blank=True, help_text="The finished assistant text, rendered once (sessions_app/rendering)."
    )
    superseded_at = models.DateTimeField(
        null=True, blank=True, help_text="When an edit or a regenerate took it out of the chat."
    )
    metadata = models.JSONField(default=dict, blank=True)
    client_msg_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["chat_session", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["chat_session", "seq"], name="message_seq_unique"),
            models.UniqueConstraint(
                fields=["chat_session", "client_msg_id"],
                condition=~Q(client_msg_id=""),
                name="message_client_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.role}"

    @property
    def rendered(self) -> str:
        """The sanitized HTML people see: the one stored with the message (a user message when
        it was sent, an answer when its turn ended), or rendered now for an answer still
        streaming."""
        return self.html or render_markdown(self.content)

    @classmethod
    def text_update(cls, message_id: int, content: str) -> Statement:
        """The text of a message (an answer as it streams), for ``together``."""
        sql = f"UPDATE {cls._meta.db_table} SET content = %s WHERE id = %s"  # noqa: S608
        return sql, [content, message_id]


class TurnQuerySet(models.QuerySet["Turn"]):
    def active(self) -> TurnQuerySet:
        return self.filter(status__in=[Turn.Status.QUEUED, Turn.Status.RUNNING])

    def end_all(self) -> int:
        """A session that ends (expired, closed) takes no turn any more: queued and running
        turns end as interrupted (a running holder's own finish then changes nothing)."""
        return self.active().update(
            status=Turn.Status.INTERRUPTED, holder="", lease_until=None, error="session_ended"
        )


class Turn(models.Model):
    """The agent's answer to one message (a user's, or a wallet outcome), as a lifecycle.

    queued -> running (claimed by one process: ``holder``, while ``lease_until`` is ahead) ->
    done | interrupted | failed. A running turn whose holder died goes back to queued when it
    had not begun its answer, else to failed (sessions_app/turns.py). At most one turn of a
    session runs at a time: a unique index says so, whatever the processes do.
    """

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        INTERRUPTED = "interrupted"
        FAILED = "failed"

    chat_session = models.ForeignKey(ChatSession, on_delete=models.CASCADE, related_name="turns")
    request = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="turn")
    answer = models.OneToOneField(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="answered_turn"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    holder = models.CharField(
        max_length=128, blank=True, help_text="host:pid:start of the process running the turn."
    )
    lease_until = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TurnQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["chat_session"],
                condition=Q(status="running"),
                name="turn_one_running_per_session",
            ),
        ]
        indexes = [
            # The queue: a session's next turn is its lowest queued id.
            models.Index(
                fields=["chat_session", "id"], condition=Q(status="queued"), name="turn_queue"
            ),
        ]

    def __str__(self) -> str:
        return f"turn {self.pk} {self.status}"

    def finish(
        self,
        status: str,
        error: str = "",
        answer: tuple[str, str] | None = None,
    ) -> bool:
        """running -> done/interrupted/failed, only while this holder still runs it; then the
        answer's final text and HTML (``answer``), only if this call ended the turn (a turn
        recovered by another process keeps the answer it marked as cut short)."""
        return self.ended(status, error, together(self.end_statements(status, error, answer))[0])

    def end_statements(
        self, status: str, error: str, answer: tuple[str, str] | None
    ) -> list[Statement]:
        """``finish``'s statements: the end (its rows: this turn's id if this call ended it),
        and the answer's final text, written only if the end was this call's."""
        table, messages = self._meta.db_table, Message._meta.db_table
        end = (
            f"UPDATE {table} SET status = %s, error = %s, lease_until = NULL"  # noqa: S608
            " WHERE id = %s AND status = 'running' AND holder = %s RETURNING id"
        )
        statements: list[Statement] = [(end, [status, error, self.pk, self.holder])]
        if answer is not None and self.answer_id is not None:
            # The turn's row as the end above leaves it: true only if it was this call's.
            ended_here = (
                f"EXISTS (SELECT 1 FROM {table} WHERE id = %s AND status = %s AND error = %s"  # noqa: S608
                " AND holder = %s AND lease_until IS NULL)"
            )
            write = f"UPDATE {messages} SET content = %s, html = %s WHERE id = %s AND {ended_here}"  # noqa: S608
            params = [*answer, self.answer_id, self.pk, status, error, self.holder]
            statements.append((write, params))
        return statements

    def ended(self, status: str, error: str, end_rows: list[tuple[Any, ...]]) -> bool:
        """This instance after the end statement: True if it was this call that ended it."""
        if not end_rows:
            return False
        self.status, self.error, self.lease_until = status, error, None
        return True

    def renew(self, until: datetime) -> bool:
        """The holder's heartbeat: the lease moves on while the turn runs."""
        held = Turn.objects.filter(pk=self.pk, status=self.Status.RUNNING, holder=self.holder)
        return bool(held.update(lease_until=until))

    def recover(self) -> str:
        """A running turn whose holder is gone: back to queued when no answer was begun, else
        failed (its answer keeps what was written, marked as cut short). The new status, or ""
        when another process recovered it first."""
        taken = Turn.objects.filter(pk=self.pk, status=self.Status.RUNNING, holder=self.holder)
        if self.answer_id is None:
            status = self.Status.QUEUED
            changed = taken.update(status=status, holder="", lease_until=None)
        else:
            status = self.Status.FAILED
            changed = taken.update(status=status, error="turn_lost", lease_until=None)
        if not changed:
            return ""
        answer = Message.objects.filter(pk=self.answer_id).first() if self.answer_id else None
        if answer is not None:
            note = "_(This answer was cut short: the server stopped during the turn.)_"
            answer.content = f"{answer.content}\n\n{note}".strip()
            answer.save(update_fields=["content"])
        self.status = status
        return status


class ToolCall(models.Model):
    chat_session = models.ForeignKey(
        ChatSession, on_delete=models.CASCADE, related_name="tool_calls"
    )
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="tool_calls"
    )
    call_id = models.CharField(max_length=64, blank=True)
    network = models.CharField(max_length=32)
    tool = models.CharField(max_length=64)
    arguments = models.JSONField(default=dict, blank=True)
    result = models.JSONField(null=True, blank=True)
    is_error = models.BooleanField(default=False)
    duration_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["chat_session", "created_at", "pk"]
        indexes = [
            models.Index(fields=["chat_session", "created_at"], name="toolcall_session_created"),
            models.Index(fields=["network", "tool"], name="toolcall_network_tool"),
        ]

    def __str__(self) -> str:
        return f"{self.tool}@{self.network}"

    @classmethod
    def begin(
        cls,
        message: Message,
        call_id: str,
        network: str,
        tool: str,
        arguments: dict[str, Any],
        before: Sequence[Statement] = (),
    ) -> ToolCall:
        """The row of a call the agent is making (its result follows, ``result_update``);
        ``before``: statements to run first, in the same round trip."""
        now = timezone.now()
        sql = (
            f"INSERT INTO {cls._meta.db_table} (chat_session_id, message_id, call_id, network,"  # noqa: S608
            " tool, arguments, is_error, duration_ms, created_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, 0, %s) RETURNING id"
        )
        values: list[Any] = [message.chat_session_id, message.pk, call_id, network, tool]
        values += [db_json(cls, "arguments", arguments), False, now]
        ((pk,),) = together([*before, (sql, values)])[-1]
        row = cls(id=pk, chat_session_id=message.chat_session_id, message=message, call_id=call_id)
        return as_saved(row, network=network, tool=tool, arguments=arguments, created_at=now)

    @classmethod
    def result_update(
        cls, pk: int, result: dict[str, Any], is_error: bool, duration_ms: int
    ) -> Statement:
        """A finished call's result, for ``together``."""
        sql = (
            f"UPDATE {cls._meta.db_table} SET result = %s, is_error = %s, duration_ms = %s"  # noqa: S608
            " WHERE id = %s"
        )
        return sql, [db_json(cls, "result", result), is_error, duration_ms, pk]


class WalletRequestQuerySet(models.QuerySet["WalletRequest"]):
    def pending(self) -> WalletRequestQuerySet:
        return self.filter(status=WalletRequest.Status.PENDING)

    def cancel_pending(self) -> int:
        """The session ended: no answer can come for its pending request any more."""
        cancelled = WalletRequest.Status.CANCELLED
        return self.pending().update(status=cancelled, answered_at=timezone.now())


class WalletRequest(models.Model):
    """A transaction or a signature the agent prepared on a real network, for the user's
    wallet: the server holds no key, so the page shows it on an approval card.

    pending -> sent | rejected (the page's answer, taken once) | mismatched (the answer's hash
    or signature was not the prepared one: sessions_app/wallet_checks.py) | replaced (the agent
    prepared another before the answer) | cancelled (the session ended). A session has at most
    one pending request: a unique index says so.
    """

    class Kind(models.TextChoices):
        WALLET = "wallet"  # for the page's wallet to sign
        CONFIRM = "confirm"  # a dev-account write waiting for the person (confirmations.py)

    class Status(models.TextChoices):
        PENDING = "pending"
        SENT = "sent"
        REJECTED = "rejected"
        MISMATCHED = "mismatched"
        REPLACED = "replaced"
        CANCELLED = "cancelled"

    public_id = models.CharField(
        max_length=32, unique=True, default=new_wallet_request_id, editable=False
    )
    chat_session = models.ForeignKey(
        ChatSession, on_delete=models.CASCADE, related_name="wallet_requests"
    )
    tool_call = models.OneToOneField(
        ToolCall,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="wallet_request",
        help_text="The prepare_* or sign_* call that made it.",
    )
    network = models.CharField(max_length=32)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.WALLET)
    description = models.TextField(blank=True)
    transaction = models.JSONField(
        null=True, blank=True, help_text="The prepared transaction, as the wallet gets it."
    )
    calls = models.JSONField(
        null=True,
        blank=True,
        help_text="A multi-call request (a swap: the approval, then the swap): the prepared "
        "transactions in order, all signed from one card; ``transaction`` is the last.",
    )
    signature_request = models.JSONField(
        null=True, blank=True, help_text="A message or typed data to sign: {method, params}."
    )
    summary = models.JSONField(
        null=True, blank=True, help_text="What the approval card decodes, with the verdict."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    tx_hash = models.CharField(max_length=66, blank=True)
    tx_hashes = models.JSONField(
        null=True, blank=True, help_text="A multi-call answer's hashes, as the page reported them."
    )
    signature = models.TextField(blank=True)
    reason = models.CharField(max_length=500, blank=True, help_text="Why the user rejected it.")
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    objects = WalletRequestQuerySet.as_manager()

    class Meta:
        ordering = ["chat_session", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["chat_session"],
                condition=Q(status="pending"),
                name="wallet_request_one_pending_per_session",
            ),
        ]
        indexes = [
            models.Index(fields=["chat_session", "created_at"], name="walletrequest_session"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.status}"

    @classmethod
    def open(cls, chat_session_id: int, tool_call: ToolCall, **fields: Any) -> WalletRequest | None:
        """The session's new pending request; one still pending is replaced. None when the
        session has ended (its row is locked meanwhile: an expiry waits, or wins first)."""
        with transaction.atomic():
            session = ChatSession.objects.select_for_update().filter(pk=chat_session_id)
            if not session.filter(status=ChatSession.Status.ACTIVE).exists():
                return None
            earlier = cls.objects.filter(chat_session_id=chat_session_id).pending()
            earlier.update(status=cls.Status.REPLACED, answered_at=timezone.now())
            return cls.objects.create(
                chat_session_id=chat_session_id,
                tool_call=tool_call,
                network=tool_call.network,
                **fields,
            )

    @classmethod
    def answer(
        cls, chat_session_id: int, public_id: str, status: str, **outcome: Any
    ) -> WalletRequest | None:
        """pending -> sent or rejected, with the wallet's ``tx_hash`` (and ``tx_hashes`` for
        a multi-call request), ``signature`` or ``reason``. Only the first answer to the
        session's own pending request changes it; every other (a second answer, another
        session's id, an unknown one) gets None."""
        with transaction.atomic():
            mine = cls.objects.select_for_update().filter(chat_session_id=chat_session_id)
            request = mine.pending().filter(public_id=public_id).first()
            if request is None:
                return None
            request.status, request.answered_at = status, timezone.now()
            for name, value in outcome.items():
                setattr(request, name, value)
            request.save(update_fields=["status", "answered_at", *outcome])
        return request

    def card(self) -> dict[str, Any]:
        """What the page's approval card shows (the wallet.request event, and the session's
        ``pending_wallet_request`` after a reload)."""
        card: dict[str, Any] = {
            "request_id": self.public_id,
            "kind": self.kind,
            "tx": self.transaction,
            "description": self.description,
            "network": self.network,
            "created_at": self.created_at.isoformat(),
        }
        if self.summary is not None:
            card["summary"] = self.summary
        if self.signature_request is not None:
            card["sign"] = self.signature_request
        if self.calls is not None:
            card["calls"] = self.calls
        return card


from sessions_app.sharing_models import SharedChat  # noqa: E402, F401  (its own module)
