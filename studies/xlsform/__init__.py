"""Questionnaires in and out of the platform as XLSForms (ODK, KoboToolbox, SurveyCTO) and REDCap data
dictionaries: studies.xlsform.importer is the entry point for the commands and the pages."""
