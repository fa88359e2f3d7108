"""Writes of the studies app, one module per feature; the team functions stay importable from here."""

from studies.services.team import TeamError, create_study, set_member_role

__all__ = ["TeamError", "create_study", "set_member_role"]
