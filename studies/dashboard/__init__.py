"""The study dashboard: one read per panel (selectors), server-drawn SVG charts (charts), thin views.

Panels refresh live: a small static script polls each panel's fragment URL and swaps the panel's body.
"""
