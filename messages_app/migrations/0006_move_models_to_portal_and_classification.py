"""Like, Comment and CommentReport moved to the portal app, ClassifierModel to classification.

State only: the tables (messages_app_like, …) stay as they are, with their rows; the new apps'
first migrations take them over under the same names (db_table).
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('messages_app', '0005_message_public_feed_index'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='ClassifierModel'),
                migrations.RemoveField(model_name='commentreport', name='comment'),
                migrations.RemoveField(model_name='commentreport', name='user'),
                migrations.RemoveField(model_name='like', name='answer'),
                migrations.RemoveField(model_name='like', name='message'),
                migrations.RemoveField(model_name='like', name='user'),
                migrations.DeleteModel(name='Comment'),
                migrations.DeleteModel(name='CommentReport'),
                migrations.DeleteModel(name='Like'),
            ],
            database_operations=[],
        ),
    ]
