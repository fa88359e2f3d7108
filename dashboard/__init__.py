"""The study dashboard: one read per panel (selectors), server-drawn SVG charts (charts), thin views.

It reads every app below it (studies, transcription, coding), so it sits at the top of the layers.
Panels refresh live: a small static script polls each panel's fragment URL and swaps the panel's body.
"""
