"""Searching a study's transcripts: the form, the filters that need the codebook and the sample, and the page of
hits grouped by transcript, each with the link its reader's role opens.

The index and the matching live in review (review.search); this module sits above it because a code filter needs
the codings. Owners and researchers search and read raw text; every other role the redacted text it reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from coding.models import Code, CodingAssignment
from coding.selectors import visible_codings
from review import search
from review.models import SearchAudience, SegmentSearchTerms
from review.search_terms import search_available
from studies.models import Role, ScreeningResponse, StudyMembership
from studies.permissions import MANAGERS
from transcription.models import Transcript

MAX_QUERY = 200
PAGE_SIZE = 50
COUNT_CAP = 1000  # counting every hit of a very common word costs more than the page; "more than 1,000" is enough


def _language_label(code: str) -> str:
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Words to find"), max_length=MAX_QUERY, required=False, strip=True)
    code = forms.TypedChoiceField(label=_("Code"), required=False, coerce=int, empty_value=None)
    stratum = forms.TypedChoiceField(label=_("Participant group"), required=False, coerce=int, empty_value=None)
    language = forms.ChoiceField(label=_("Language"), required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000, widget=forms.HiddenInput)

    def __init__(self, data: object, *, membership: StudyMembership) -> None:
        super().__init__(data)  # type: ignore[arg-type]
        study = membership.study
        codes = Code.objects.filter(study=study, is_codable=True).order_by("name").values_list("id", "name")
        self._choose("code", [("", _("Any code")), *codes])
        # Participant groups come from screening answers, which only owners and researchers read.
        strata = study.strata.values_list("id", "name") if membership.role in MANAGERS else []
        self._choose("stratum", [("", _("Any group")), *strata])
        languages = [(code, _language_label(code)) for code in search.study_languages(study.id)]
        self._choose("language", [("", _("Any language")), *languages])
        self.show_strata = membership.role in MANAGERS

    def _choose(self, name: str, choices: list[tuple[object, object]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 (declared above; narrows the type)
        field.choices = choices

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if self.is_bound and not cleaned.get("q") and "q" not in self.errors:
            self.add_error("q", _("Type one or more words to search for."))
        return cleaned


@dataclass
class Hit:
    index: int
    start: float
    speaker: str
    html: SafeString
    url: str


@dataclass
class TranscriptHits:
    transcript: Transcript
    participant: str
    hits: list[Hit] = field(default_factory=list)


@dataclass
class Results:
    groups: list[TranscriptHits]
    total: int
    more_than: bool
    page: int
    has_next: bool
    no_words: bool = False


def _in_stratum(rows: QuerySet[SegmentSearchTerms], membership: StudyMembership, stratum_id: int) -> QuerySet:
    """Rows of participants in the group: each person's latest screening answers meet the stratum's cell."""
    stratum = membership.study.strata.get(pk=stratum_id)
    answers = (
        ScreeningResponse.objects.filter(study=membership.study, questionnaire__kind="screening")
        .order_by("participant_id", "submitted_at", "id")
        .values_list("participant_id", "attributes")
    )
    latest = dict(answers.iterator())  # oldest first: the dict keeps each person's newest answers
    people = [pid for pid, attributes in latest.items() if stratum.matches(attributes or {})]
    return rows.filter(transcript__recording__interview__participant_id__in=people)


def _with_code(rows: QuerySet[SegmentSearchTerms], membership: StudyMembership, code_id: int) -> QuerySet:
    """Rows of segments a coding of the code (one this member may see) overlaps. Codings point at the version
    coders read, so a raw row is matched through the redacted row of the same segment index."""
    codings = visible_codings(user=membership.user, role=membership.role, study_id=membership.study_id)
    overlapping = codings.filter(
        code_id=code_id,
        transcript_version=OuterRef("version"),
        start__lt=OuterRef("end_offset"),
        end__gt=OuterRef("start_offset"),
    )
    coded = SegmentSearchTerms.objects.filter(
        audience=SearchAudience.REDACTED, transcript=OuterRef("transcript"), index=OuterRef("index")
    ).filter(Exists(overlapping))
    return rows.filter(Exists(coded))


def matching(membership: StudyMembership, cleaned: dict[str, object]) -> QuerySet[SegmentSearchTerms] | None:
    """The rows matching the form's query and filters, or None when every word of the query is a stop word."""
    languages = search.study_languages(membership.study_id)
    if cleaned.get("language"):
        languages = [str(cleaned["language"])]
    terms = search.query_terms(q=str(cleaned["q"]), languages=languages)
    if not terms:
        return None
    audience = search.audience_for(membership.role)
    rows = search.matching_rows(study_id=membership.study_id, audience=audience, terms=terms)
    if cleaned.get("stratum") is not None:
        rows = _in_stratum(rows, membership, int(str(cleaned["stratum"])))
    if cleaned.get("code") is not None:
        rows = _with_code(rows, membership, int(str(cleaned["code"])))
    return rows


def _links(membership: StudyMembership, transcript_ids: set[int]) -> dict[int, str]:
    """Where a hit opens, by role: the editor (owners, researchers), the coder's own assignment in the coding
    workspace (else the reading page), the reading page for everyone else."""
    slug = membership.study.slug
    if membership.role in MANAGERS:
        return {tid: reverse("review:editor", args=[slug, tid]) for tid in transcript_ids}
    links = {tid: reverse("review:read", args=[slug, tid]) for tid in transcript_ids}
    if membership.role == Role.CODER:
        assignments = CodingAssignment.objects.filter(coder=membership.user, transcript_id__in=transcript_ids)
        for tid, aid in assignments.order_by("created_at").values_list("transcript_id", "id"):
            links[tid] = reverse("coding:workspace", args=[slug, aid])
    return links


def search_page(*, membership: StudyMembership, cleaned: dict[str, object]) -> Results:
    """One page of hits for the form's query, grouped by transcript; only these hits are decrypted."""
    page = int(str(cleaned.get("page") or 1))
    rows = matching(membership, cleaned)
    if rows is None:
        return Results([], 0, False, page, False, no_words=True)
    total = rows[: COUNT_CAP + 1].count()
    first = (page - 1) * PAGE_SIZE
    shown = list(
        rows.select_related("segment", "transcript__recording__interview__participant")[first : first + PAGE_SIZE + 1]
    )
    has_next, shown = len(shown) > PAGE_SIZE, shown[:PAGE_SIZE]
    html = search.highlight(q=str(cleaned["q"]), hits=[(row.language, row.segment.text) for row in shown])
    links = _links(membership, {row.transcript_id for row in shown})
    groups: dict[int, TranscriptHits] = {}
    for row, snippet in zip(shown, html, strict=True):
        group = groups.get(row.transcript_id)
        if group is None:
            participant = row.transcript.recording.interview.participant.code
            group = groups[row.transcript_id] = TranscriptHits(row.transcript, participant)
        url = f"{links[row.transcript_id]}#segment-{row.index}"
        group.hits.append(Hit(row.index, row.segment.start, row.segment.speaker, snippet, url))
    return Results(list(groups.values()), min(total, COUNT_CAP), total > COUNT_CAP, page, has_next)


__all__ = ["SearchForm", "search_available", "search_page"]
