"""The methods summary of a study archive, computed from the data (numbers a methods section reports)."""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Any

from django.db.models import Count

from coding.models import CodingAssignment
from coding.selectors import study_agreement
from exports.archive.safety_counts import safety_figures, safety_lines
from studies.models import Interview, Study
from transcription.models import Transcript, TranscriptVersion


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min"


def methods_figures(study: Study, *, exported: list[int]) -> dict[str, Any]:
    """Figures about the study and the `exported` transcript ids (those with readable text in the archive)."""
    durations = list(Transcript.objects.filter(pk__in=exported).values_list("duration", flat=True))
    spoken = Transcript.objects.filter(pk__in=exported).values_list("language", "has_speech")
    languages = Counter(language if has_speech else "no speech" for language, has_speech in spoken)
    engines = sorted(
        set(
            TranscriptVersion.objects.filter(transcript_id__in=exported, is_machine=True)
            .values_list("engine", "model_name")
            .distinct()
        )
    )
    # Only finished coding counts: an assignment still open says a transcript will be coded, not that it was.
    done = CodingAssignment.objects.filter(transcript_id__in=exported, status=CodingAssignment.Status.DONE)
    coded = done.values("transcript").annotate(n=Count("id"))
    counts = [row["n"] for row in coded]
    report = study_agreement(study.pk)
    alpha = report.overall.alpha if report and report.overall else None
    return {
        "interviews_completed": Interview.objects.filter(study=study, status=Interview.Status.COMPLETED).count(),
        "transcripts": len(exported),
        "total_duration_seconds": round(sum(durations), 1),
        "median_duration_seconds": round(statistics.median(durations), 1) if durations else None,
        "languages": dict(languages.most_common()),
        "engines": [f"{engine} ({model})" if model else engine for engine, model in engines],
        "transcripts_coded": len(counts),
        "share_double_coded": round(sum(1 for n in counts if n >= 2) / len(counts), 3) if counts else None,
        "krippendorff_alpha": None if alpha is None else alpha.value,
        "krippendorff_alpha_note": "" if alpha is None else alpha.note,
        "safety": safety_figures(study),
    }


def methods_text(study: Study, figures: dict[str, Any]) -> str:
    """A short Markdown summary researchers can adapt for a methods section."""
    languages = ", ".join(f"{code} ({n})" for code, n in figures["languages"].items()) or "none"
    median = figures["median_duration_seconds"]
    share = figures["share_double_coded"]
    alpha = figures["krippendorff_alpha"]
    lines = [
        f"# Methods summary: {study.title}",
        "",
        f"- Interviews completed: {figures['interviews_completed']}; "
        f"transcripts in this archive: {figures['transcripts']}.",
        f"- Recorded speech: {_minutes(figures['total_duration_seconds'])} in total"
        + (f", median {_minutes(median)} per interview." if median is not None else "."),
        f"- Languages (transcripts): {languages}.",
        f"- Automatic transcription: {', '.join(figures['engines']) or 'none recorded'}; every transcript was reviewed "
        "and de-identified (names, places and contact details replaced by tags such as [NAME-1]) before export.",
        f"- Coding: {figures['transcripts_coded']} transcripts coded; "
        + (f"{share:.0%} double-coded." if share is not None else "none double-coded."),
        "- Inter-coder agreement (Krippendorff's alpha, nominal, presence of each code per segment): "
        + (
            f"{alpha:.2f}."
            if alpha is not None
            else f"not defined ({figures['krippendorff_alpha_note'] or 'no data'})."
        ),
        *safety_lines(figures["safety"]),
        "",
        "Participants are identified by pseudonyms only; participants.csv lists those who consented, with closed "
        "screening answers and derived bands as demographics.",
        "",
    ]
    return "\n".join(lines)
