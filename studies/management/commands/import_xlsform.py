"""`manage.py import_xlsform <study-slug> <file.xlsx> [--kind KIND] [--stage STAGE]`: an XLSForm (ODK, KoboToolbox,
SurveyCTO) as a new draft questionnaire of the study (studies.xlsform). On refusal prints every problem (sheet, row,
column, reason) on stderr, creates nothing and exits non-zero; on success prints the new questionnaire's id last."""

from __future__ import annotations

from studies.management.commands._questionnaire_import import ImportCommand
from studies.xlsform.importer import import_xlsform


class Command(ImportCommand):
    help = "Import an XLSForm (.xlsx) as a new draft questionnaire of a study."
    file_help = "the XLSForm (.xlsx)"
    importer = staticmethod(import_xlsform)
