"""The redaction pass: every detector over every segment, overlapping finds merged into one proposal each."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace

from .addresses import find_addresses
from .entities import entity_proposals
from .keep import KeepList
from .known import KnownIdentifiers, participant_needles, study_needles
from .patterns import find_dates_of_birth, find_emails, find_handles, find_id_numbers, find_urls
from .phones import DEFAULT_PHONE_REGIONS, find_phones, normalise_phone
from .text import fold
from .types import Kind, ParticipantIdentifiers, Proposal, SegmentLike, Source, StudyEntity

_PATTERN_FINDERS = (find_emails, find_urls, find_handles, find_addresses, find_id_numbers, find_dates_of_birth)
# When finds overlap, the widest span decides what the whole is ("maria@example.com" is an email even though
# it contains the participant's given name); on equal spans known identifiers beat patterns, and patterns beat
# the named-entity finder's guesses.
_SOURCE_RANK = {Source.MANUAL: 4, Source.PARTICIPANT: 3, Source.STUDY_LIST: 2, Source.PATTERN: 1, Source.ENTITY: 0}


def propose_redactions(
    segments: Sequence[SegmentLike],
    *,
    participant: ParticipantIdentifiers | None = None,
    study_entities: Sequence[StudyEntity] = (),
    phone_regions: Sequence[str] = DEFAULT_PHONE_REGIONS,
    language: str = "",
    keep_terms: Sequence[str] | None = None,
    keep_countries: bool = True,
    find_entities: bool = True,
) -> list[Proposal]:
    """Proposals for every segment, ordered by segment and offset, never overlapping one another.

    `language` (ISO 639-1, the transcript's) picks the entity finder's pipeline; `keep_terms` (None: the
    defaults) and `keep_countries` say what the entity finder never proposes.

    A pure function of its arguments (the entity finder's models and lists are read from installed packages):
    it changes nothing, so a review page can rerun it after each edit, and proposals for text the researcher has
    since changed are simply not found again.
    """
    person = participant or ParticipantIdentifiers()
    known = KnownIdentifiers([*participant_needles(person), *study_needles(study_entities)])
    regions = tuple(dict.fromkeys(r.upper() for r in (person.phone_region, *phone_regions) if r))
    own = _OwnIdentifiers(person)
    found: list[Proposal] = []
    for index, segment in enumerate(segments):
        text = segment.text
        found.extend(known.find(index, text))
        found.extend(own.recognise(find_phones(index, text, regions)))
        for finder in _PATTERN_FINDERS:
            found.extend(own.recognise(finder(index, text)))
    if find_entities:
        keep = KeepList.build(keep_terms, keep_countries=keep_countries)
        texts = [segment.text for segment in segments]
        found.extend(entity_proposals(texts, language=language, keep=keep))
    return merge_overlapping(found)


class _OwnIdentifiers:
    """The participant's emails and phone numbers, normalised once for the whole transcript."""

    def __init__(self, person: ParticipantIdentifiers) -> None:
        self.emails = {fold(email) for email in person.emails}
        self.phones = {normalise_phone(phone, person.phone_region) for phone in person.phones}

    def recognise(self, proposals: Iterable[Proposal]) -> Iterator[Proposal]:
        """A found email or phone number that is in the participant's records says so, and is surer."""
        for proposal in proposals:
            if proposal.kind == Kind.EMAIL and fold(proposal.key) in self.emails:
                reason = "the participant's own email address"
            elif proposal.kind == Kind.PHONE and proposal.key in self.phones:
                reason = "the participant's own phone number"
            else:
                yield proposal
                continue
            yield replace(proposal, reason=reason, confidence=0.99, source=Source.PARTICIPANT)


def merge_overlapping(proposals: Iterable[Proposal]) -> list[Proposal]:
    """One proposal per cluster of overlapping spans: the union of the spans, with the kind, key and reason of
    the best member (a hand-marked span, else the widest, then a known identifier, then the surest); other
    members' reasons are appended."""
    ordered = sorted(proposals, key=lambda p: (p.segment, p.start, -p.end))
    merged: list[Proposal] = []
    cluster: list[Proposal] = []
    for proposal in ordered:
        if cluster and (proposal.segment != cluster[0].segment or proposal.start >= max(p.end for p in cluster)):
            merged.append(_merge_cluster(cluster))
            cluster = []
        cluster.append(proposal)
    if cluster:
        merged.append(_merge_cluster(cluster))
    return merged


def _merge_cluster(cluster: list[Proposal]) -> Proposal:
    best = max(
        cluster, key=lambda p: (p.source == Source.MANUAL, p.end - p.start, _SOURCE_RANK[p.source], p.confidence)
    )
    if len(cluster) == 1:
        return best
    start, end = min(p.start for p in cluster), max(p.end for p in cluster)
    # The union's text is cut from the members' own texts, which all come from one segment.
    text = _union_text(cluster, start, end)
    # Members inside the best span add nothing a reviewer needs ("an ID-like number" inside a phone number).
    widening = [p.reason for p in cluster if p.start < best.start or p.end > best.end]
    reasons = list(dict.fromkeys([best.reason, *widening]))
    confidence = max(p.confidence for p in cluster)
    return replace(best, start=start, end=end, text=text, reason="; ".join(reasons), confidence=confidence)


def _union_text(cluster: list[Proposal], start: int, end: int) -> str:
    chars: dict[int, str] = {}
    for proposal in cluster:
        for offset, char in enumerate(proposal.text, start=proposal.start):
            chars[offset] = char
    return "".join(chars[offset] for offset in range(start, end))
