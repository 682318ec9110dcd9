"""Chain the events recorded before the chain existed, oldest first, and set the head."""

from django.db import migrations

from interplay.audit import chain

BATCH = 500


def chain_existing(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    ChainHead = apps.get_model("audit", "ChainHead")
    sequence, prev_hash, batch = 0, chain.GENESIS, []
    for event in AuditEvent.objects.order_by("at", "id").iterator(chunk_size=BATCH):
        sequence += 1
        event.sequence, event.prev_hash = sequence, prev_hash
        event.hash = prev_hash = chain.digest(
            chain.Link(
                sequence=sequence,
                public_id=str(event.public_id),
                at=event.at,
                actor_id=event.actor_id,
                actor_label=event.actor_label,
                action=event.action,
                object_type=event.object_type,
                object_id=event.object_id,
                detail=event.detail,
                client_address=event.client_address,
                request_id=event.request_id,
                prev_hash=event.prev_hash,
            )
        )
        batch.append(event)
        if len(batch) == BATCH:
            AuditEvent.objects.bulk_update(batch, ["sequence", "prev_hash", "hash"])
            batch = []
    AuditEvent.objects.bulk_update(batch, ["sequence", "prev_hash", "hash"])
    ChainHead.objects.update_or_create(pk=1, defaults={"sequence": sequence, "hash": prev_hash})


def unchain(apps, schema_editor):
    apps.get_model("audit", "ChainHead").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_hash_chain"),
    ]

    operations = [
        migrations.RunPython(chain_existing, unchain),
    ]
