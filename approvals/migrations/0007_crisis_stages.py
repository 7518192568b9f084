"""A crisis needs two crisis-team approvals on every new submission; a pre-approved holding
statement needs one (its own stage)."""

from django.db import migrations


def forwards(apps, schema_editor):
    ReviewStage = apps.get_model("approvals", "ReviewStage")
    Group = apps.get_model("auth", "Group")
    ReviewStage.objects.filter(slug="crisis-team", department=None, channel=None, approvals_required=1).update(
        approvals_required=2
    )
    if not ReviewStage.objects.filter(slug="holding-statement", department=None, channel=None).exists():
        ReviewStage.objects.create(
            slug="holding-statement",
            name="Crisis team: holding statement",
            position=30,
            eligible_group=Group.objects.get_or_create(name="Crisis Team")[0],
            applies="holding_statement",
            approvals_required=1,
        )


def backwards(apps, schema_editor):
    ReviewStage = apps.get_model("approvals", "ReviewStage")
    ReviewStage.objects.filter(slug="crisis-team", department=None, channel=None).update(approvals_required=1)
    ReviewStage.objects.filter(slug="holding-statement", department=None, channel=None, decisions=None).delete()


class Migration(migrations.Migration):
    dependencies = [("approvals", "0006_consent_holds_statements_break_glass")]

    operations = [migrations.RunPython(forwards, backwards)]
