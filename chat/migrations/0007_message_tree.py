import django.db.models.deletion
from django.db import migrations, models


def chain_messages(apps, schema_editor):
    """Existing conversations become a single path: each message follows the one before it."""
    Conversation = apps.get_model("chat", "Conversation")
    Message = apps.get_model("chat", "Message")
    for conversation in Conversation.objects.only("pk").iterator(chunk_size=500):
        messages = list(
            Message.objects.filter(conversation=conversation)
            .order_by("created_at", "pk")
            .only("pk", "parent")
        )
        for previous, message in zip(messages, messages[1:]):
            message.parent_id = previous.pk
        Message.objects.bulk_update(messages[1:], ["parent"], batch_size=500)
        if messages:
            Conversation.objects.filter(pk=conversation.pk).update(active_leaf=messages[-1].pk)


class Migration(migrations.Migration):

    dependencies = [
        ('chat', '0006_feedback'),
    ]

    operations = [
        migrations.AddField(
            model_name='conversation',
            name='active_leaf',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='chat.message'),
        ),
        migrations.AddField(
            model_name='message',
            name='parent',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='children', to='chat.message'),
        ),
        migrations.AddIndex(
            model_name='message',
            index=models.Index(fields=['parent', 'created_at'], name='msg_parent_created'),
        ),
        migrations.RunPython(chain_messages, migrations.RunPython.noop),
    ]
