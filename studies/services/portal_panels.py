"""Sections that apps above studies add to the participant's portal home (the review app: a transcript to check).

Studies may not import those apps, so each registers a plain function from its AppConfig.ready(); the home page
asks every one for its sections and includes each section's template with its context. A section function reads
only what belongs to the participant it is given, and runs with the participant's language active.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from studies.models import Participant


@dataclass(frozen=True)
class PortalPanel:
    """One section of the portal home: a template and what it shows (as `panel` in the template)."""

    template: str
    context: Mapping[str, object] = field(default_factory=dict)


PanelSource = Callable[[Participant], list[PortalPanel]]
_sources: list[PanelSource] = []


def register_portal_panels(source: PanelSource) -> None:
    """Add a function that gives the portal home its sections for a participant (in INSTALLED_APPS order)."""
    if source not in _sources:
        _sources.append(source)


def portal_panels(participant: Participant) -> list[PortalPanel]:
    """Every registered section for `participant`, in registration order."""
    return [panel for source in _sources for panel in source(participant)]
