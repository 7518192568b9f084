"""API tokens kept as digests, expiring (accounts.ApiToken), instead of DRF's authtoken tokens.

DRF's `authtoken_token` table held every key in clear. It is dropped here with its keys: API
clients sign in again (POST /api/v1/auth/token/) after this migration. Its migration records
go too, so that the table is not believed to exist should the app ever be installed again.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def drop_clear_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if "authtoken_token" in connection.introspection.table_names():
        schema_editor.execute(f"DROP TABLE {schema_editor.quote_name('authtoken_token')}")
    if "django_migrations" in connection.introspection.table_names():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM django_migrations WHERE app = %s", ["authtoken"])


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_roles'),
    ]

    operations = [
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('digest', models.CharField(help_text='Hex SHA-256 of the key.', max_length=64, unique=True)),
                ('binding', models.CharField(help_text="HMAC of the user's credentials and roles when issued.", max_length=64)),
                ('second_factor', models.BooleanField(default=False, help_text='Issued after a verified one-time code (two-factor authentication).')),
                ('created', models.DateTimeField(default=django.utils.timezone.now)),
                ('expires', models.DateTimeField(db_index=True)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['user', '-created'],
                'constraints': [models.CheckConstraint(condition=models.Q(('expires__gt', models.F('created'))), name='api_token_expires_after_creation')],
            },
        ),
        migrations.RunPython(drop_clear_tokens, migrations.RunPython.noop, elidable=True),
    ]
