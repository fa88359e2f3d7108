"""`manage.py import_redcap <study-slug> <file.csv> [--kind KIND] [--stage STAGE]`: a REDCap data dictionary (CSV) as
a new draft questionnaire of the study (studies.xlsform.redcap), with the same contract as import_xlsform: every
problem on stderr and a non-zero exit on refusal, the new questionnaire's id printed last on success."""

from __future__ import annotations

from studies.management.commands._questionnaire_import import ImportCommand
from studies.xlsform.importer import import_redcap


class Command(ImportCommand):
    help = "Import a REDCap data dictionary (.csv) as a new draft questionnaire of a study."
    file_help = "the data dictionary (.csv)"
    importer = staticmethod(import_redcap)
