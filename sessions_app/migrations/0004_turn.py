"""Turn state moves from Message.metadata ("status", "reply_to") and ChatSession.processing*
to the Turn model: one Turn per user or wallet message, linked to its answer."""

from datetime import timedelta

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


ANSWER_STATUS = {"": "done", "interrupted": "interrupted", "error": "failed"}
CUT_SHORT = "_(This answer was cut short: the server stopped during the turn.)_"


def move_history(apps, schema_editor):
    ChatSession = apps.get_model("chat", "ChatSession")
    Message = apps.get_model("chat", "Message")
    Turn = apps.get_model("chat", "Turn")
    for chat_session in ChatSession.objects.filter(messages__isnull=False).distinct().iterator():
        messages = list(Message.objects.filter(chat_session=chat_session).order_by("seq"))
        turns, changed = _turns_of(chat_session, messages, Turn)
        Turn.objects.bulk_create(turns)
        Message.objects.bulk_update(changed, ["metadata", "content"])


def _turns_of(chat_session, messages, Turn):
    answers = {}
    for message in messages:
        reply_to = message.metadata.get("reply_to") if message.role == "assistant" else None
        if reply_to is not None:
            answers.setdefault(int(reply_to), message)
    turns, running = [], None
    for message in messages:
        if message.role not in ("user", "system"):
            continue
        answer = answers.get(message.pk)
        turn = Turn(chat_session=chat_session, request=message, answer=answer, status="queued")
        if answer is not None:
            status = answer.metadata.get("status", "")
            turn.status = ANSWER_STATUS.get(status, "failed")
            if status == "streaming":
                running = turn
        turns.append(turn)
    if running is not None and chat_session.processing:  # the turn in flight at the upgrade
        running.status, running.holder = "running", chat_session.processing_by
        since = chat_session.processing_since or chat_session.last_activity_at
        running.lease_until = since + timedelta(seconds=60)
    for turn in turns:  # answers left streaming by a dead turn, as the old recovery did
        if turn.status == "failed" and turn.answer.metadata.get("status") == "streaming":
            turn.error = "turn_lost"
            turn.answer.content = f"{turn.answer.content}\n\n{CUT_SHORT}".strip()
    for message in messages:
        message.metadata = {
            k: v for k, v in message.metadata.items() if k not in ("status", "reply_to")
        }
    return turns, messages


class Migration(migrations.Migration):

    dependencies = [
        ('chat', '0003_message_reply_to_idx'),
    ]

    operations = [
        migrations.CreateModel(
            name='Turn',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('done', 'Done'), ('interrupted', 'Interrupted'), ('failed', 'Failed')], default='queued', max_length=16)),
                ('holder', models.CharField(blank=True, help_text='host:pid:start of the process running the turn.', max_length=128)),
                ('lease_until', models.DateTimeField(blank=True, null=True)),
                ('error', models.CharField(blank=True, max_length=64)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
            ],
        ),
        migrations.AddField(
            model_name='turn',
            name='answer',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='answered_turn', to='chat.message'),
        ),
        migrations.AddField(
            model_name='turn',
            name='chat_session',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='turns', to='chat.chatsession'),
        ),
        migrations.AddField(
            model_name='turn',
            name='request',
            field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='turn', to='chat.message'),
        ),
        migrations.AddIndex(
            model_name='turn',
            index=models.Index(condition=models.Q(('status', 'queued')), fields=['chat_session', 'id'], name='turn_queue'),
        ),
        migrations.AddConstraint(
            model_name='turn',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'running')), fields=('chat_session',), name='turn_one_running_per_session'),
        ),
        migrations.RunPython(move_history, migrations.RunPython.noop),
        migrations.RemoveIndex(
            model_name='message',
            name='message_reply_to_idx',
        ),
        migrations.RemoveField(
            model_name='chatsession',
            name='processing',
        ),
        migrations.RemoveField(
            model_name='chatsession',
            name='processing_by',
        ),
        migrations.RemoveField(
            model_name='chatsession',
            name='processing_since',
        ),
    ]
