"""Forms of the studies app, one module per feature."""

from studies.forms.team import MemberForm

__all__ = ["MemberForm"]
