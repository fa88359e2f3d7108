"""Forms of the studies app, one module per feature."""

from studies.forms.team import InviteForm

__all__ = ["InviteForm"]
