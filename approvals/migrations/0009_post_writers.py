from django.conf import settings
from django.db import migrations, models


def record_writers(apps, schema_editor):
    """Existing posts: their author, their co-authors now (earlier ones were not recorded) and
    the creators of their revisions."""
    Post = apps.get_model("approvals", "Post")
    Revision = apps.get_model("approvals", "Revision")
    Writer = Post.writers.through
    pairs = set(Post.objects.values_list("pk", "author_id"))
    pairs |= set(Post.co_authors.through.objects.values_list("post_id", "user_id"))
    pairs |= set(Revision.objects.values_list("post_id", "created_by_id"))
    Writer.objects.bulk_create(
        [Writer(post_id=post_id, user_id=user_id) for post_id, user_id in sorted(pairs)],
        batch_size=5000,
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0008_notification"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
            name="writers",
            field=models.ManyToManyField(blank=True, related_name="+", to=settings.AUTH_USER_MODEL),
        ),
        migrations.RunPython(record_writers, migrations.RunPython.noop),
    ]
