"""Sandbox and snapshot states stored compressed (PackedTextField), snapshots' objects as
shared StateParts. Existing rows are converted: each state is copied into the new binary
column (compressed on the way in) before the text column goes; an old snapshot keeps its
objects inline, which loads as before."""

import django.db.models.deletion
from django.db import migrations, models

import playground.models


def pack_states(apps, _schema_editor):
    for model in ("Sandbox", "Snapshot"):
        rows = apps.get_model("playground", model).objects
        for pk, state in rows.values_list("pk", "state").iterator(chunk_size=100):
            rows.filter(pk=pk).update(packed=state)


def unpack_states(apps, _schema_editor):
    for model in ("Sandbox", "Snapshot"):
        rows = apps.get_model("playground", model).objects
        for pk, packed in rows.values_list("pk", "packed").iterator(chunk_size=100):
            rows.filter(pk=pk).update(state=packed)


class Migration(migrations.Migration):
    dependencies = [
        ("playground", "0009_sandbox_identity"),
    ]

    operations = [
        migrations.AddField(
            model_name="sandbox",
            name="packed",
            field=playground.models.PackedTextField(null=True),
        ),
        migrations.AddField(
            model_name="snapshot",
            name="packed",
            field=playground.models.PackedTextField(null=True),
        ),
        migrations.RunPython(pack_states, unpack_states),
        migrations.RemoveField(model_name="sandbox", name="state"),
        migrations.RemoveField(model_name="snapshot", name="state"),
        migrations.RenameField(model_name="sandbox", old_name="packed", new_name="state"),
        migrations.RenameField(model_name="snapshot", old_name="packed", new_name="state"),
        migrations.AlterField(
            model_name="sandbox",
            name="state",
            field=playground.models.PackedTextField(),
        ),
        migrations.AlterField(
            model_name="snapshot",
            name="state",
            field=playground.models.PackedTextField(),
        ),
        migrations.AddField(
            model_name="snapshot",
            name="parts",
            field=models.JSONField(default=list),
        ),
        migrations.CreateModel(
            name="StatePart",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("digest", models.CharField(max_length=32)),
                ("data", models.BinaryField()),
                (
                    "sandbox",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="parts",
                        to="playground.sandbox",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("sandbox", "digest"), name="one_part_per_digest")
                ],
            },
        ),
    ]
