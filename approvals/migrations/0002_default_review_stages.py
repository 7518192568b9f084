"""The organization's default review stages: channel review, compliance sign-off, crisis team."""

from django.db import migrations

STAGES = [
    # slug, name, position, eligible permission, eligible group, applies
    ("channel-review", "Channel review", 10, "review_on_channel", None, "always"),
    ("compliance", "Compliance sign-off", 20, "", "Compliance Officer", "on_escalation"),
    ("crisis-team", "Crisis team approval", 30, "", "Crisis Team", "in_crisis"),
]


def create_stages(apps, schema_editor):
    ReviewStage = apps.get_model("approvals", "ReviewStage")
    Group = apps.get_model("auth", "Group")
    for slug, name, position, permission, group_name, applies in STAGES:
        if ReviewStage.objects.filter(slug=slug, department=None, channel=None).exists():
            continue
        group = Group.objects.get_or_create(name=group_name)[0] if group_name else None
        ReviewStage.objects.create(
            slug=slug, name=name, position=position, eligible_permission=permission, eligible_group=group,
            applies=applies,
        )


class Migration(migrations.Migration):
    dependencies = [("approvals", "0001_initial"), ("accounts", "0002_roles")]

    operations = [migrations.RunPython(create_stages, migrations.RunPython.noop)]
