from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("transcription", "0001_recordings_jobs_transcripts"),
    ]

    operations = [
        migrations.AddField(
            model_name="recording",
            name="translate_to_english",
            field=models.BooleanField(default=False, verbose_name="also translate to English"),
        ),
    ]
