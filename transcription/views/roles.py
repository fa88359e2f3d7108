"""Who may do what with recordings (checked only through studies.permissions)."""

from studies.models import Role

# Upload, retry, and listen: the people who run interviews and analyse them. Coders work on redacted text
# and never hear voices (a voice identifies a person); viewers see states only.
UPLOADERS = frozenset({Role.OWNER, Role.RESEARCHER, Role.INTERVIEWER})
LISTENERS = UPLOADERS
