"""Sensible default crisis resources; researchers keep the list current in the admin."""

from django.db import migrations

DEFAULTS = [
    # (country, language, name, phone, url, description)
    ("", "", "Find A Helpline", "", "https://findahelpline.com",
     "Free, confidential helplines in more than 130 countries. In immediate danger, call your local emergency number."),
    ("US", "", "988 Suicide & Crisis Lifeline", "988", "https://988lifeline.org", "Call or text 988, 24 hours a day."),
    ("GB", "", "Samaritans", "116 123", "https://www.samaritans.org", "Free to call, 24 hours a day."),
    ("IE", "", "Samaritans Ireland", "116 123", "https://www.samaritans.org/ireland/", "Free to call, 24 hours a day."),
    ("ES", "", "Línea 024", "024", "https://www.sanidad.gob.es/linea024/", "Atención a la conducta suicida, 24 horas."),
    ("MX", "", "Línea de la Vida", "800 911 2000", "https://www.gob.mx/salud/conadic", "Gratuita, 24 horas."),
    ("IN", "", "Tele-MANAS", "14416", "https://telemanas.mohfw.gov.in", "Free mental-health helpline, 24 hours a day."),
]


def seed(apps, schema_editor):
    CrisisResource = apps.get_model("studies", "CrisisResource")
    for position, (country, language, name, phone, url, description) in enumerate(DEFAULTS):
        CrisisResource.objects.get_or_create(
            country=country,
            name=name,
            defaults={"language": language, "phone": phone, "url": url, "description": description,
                      "position": position},
        )


def unseed(apps, schema_editor):
    CrisisResource = apps.get_model("studies", "CrisisResource")
    CrisisResource.objects.filter(name__in=[row[2] for row in DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("studies", "0003_journey")]
    operations = [migrations.RunPython(seed, unseed)]
