"""The default crisis resources' descriptions in Spanish and Hindi, for people reading the study in those languages.

Each row is a language-specific twin of a default row (same country and name); crisis_resources_for shows
the twin instead of the language-neutral row to people in that language.
"""

from django.db import migrations

TWINS = [
    # (country, name, language, description)
    ("", "Find A Helpline", "es",
     "Líneas de ayuda gratuitas y confidenciales en más de 130 países. Si está en peligro inmediato, llame al número de emergencias de su país."),
    ("", "Find A Helpline", "hi",
     "130 से अधिक देशों में मुफ़्त और गोपनीय हेल्पलाइन। अगर आप तुरंत ख़तरे में हैं, तो अपने देश के आपातकालीन नंबर पर कॉल करें।"),
    ("US", "988 Suicide & Crisis Lifeline", "es", "Llame o envíe un mensaje de texto al 988, las 24 horas. Atención en español."),
    ("GB", "Samaritans", "es", "Llamada gratuita, las 24 horas."),
    ("IN", "Tele-MANAS", "hi", "मुफ़्त मानसिक स्वास्थ्य हेल्पलाइन, 24 घंटे। हिंदी और कई भारतीय भाषाओं में।"),
    ("IN", "Tele-MANAS", "es", "Línea gratuita de salud mental, las 24 horas."),
    ("ES", "Línea 024", "hi", "आत्महत्या के विचारों के लिए सहायता, 24 घंटे।"),
]


def seed(apps, schema_editor):
    CrisisResource = apps.get_model("studies", "CrisisResource")
    for country, name, language, description in TWINS:
        base = CrisisResource.objects.filter(country=country, name=name, language="").first()
        if base is None:
            continue
        CrisisResource.objects.get_or_create(
            country=country,
            name=name,
            language=language,
            defaults={"phone": base.phone, "url": base.url, "description": description, "position": base.position},
        )


def unseed(apps, schema_editor):
    CrisisResource = apps.get_model("studies", "CrisisResource")
    for country, name, language, _ in TWINS:
        CrisisResource.objects.filter(country=country, name=name, language=language).delete()


class Migration(migrations.Migration):
    dependencies = [("studies", "0006_retention")]
    operations = [migrations.RunPython(seed, unseed)]
