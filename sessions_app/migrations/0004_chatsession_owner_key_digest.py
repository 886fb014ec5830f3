"""owner_key holds a keyed hash of the browser's session key, no longer the key itself:
existing rows are converted in place (the same HMAC as sessions_app.owner.owner_digest)."""

import hashlib
import hmac

from django.conf import settings
from django.db import migrations, models


def digest(session_key):
    key = f"chat-owner:{settings.SECRET_KEY}".encode()
    return hmac.new(key, session_key.encode(), hashlib.sha256).hexdigest()


def hash_owner_keys(apps, schema_editor):
    ChatSession = apps.get_model("chat", "ChatSession")
    rows = ChatSession.objects.exclude(owner_key="").only("pk", "owner_key")
    for row in rows.iterator(chunk_size=1000):
        row.owner_key = digest(row.owner_key)
        row.save(update_fields=["owner_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0003_message_reply_to_idx"),
    ]

    operations = [
        migrations.AlterField(
            model_name="chatsession",
            name="owner_key",
            field=models.CharField(
                help_text="Keyed hash (HMAC-SHA256) of the browser's session key at creation.",
                max_length=64,
            ),
        ),
        # Not reversible: the keys cannot be recovered from their hashes (that is the point).
        migrations.RunPython(hash_owner_keys, migrations.RunPython.noop),
    ]
