"""A transcript that exercises every writer: an hour mark, milliseconds, commas and quotes, markup characters,
a multi-line segment, accents, Devanagari, and right-to-left Arabic. Shared by the format tests."""

from __future__ import annotations

from exports.formats import ExportSegment, ExportTranscript, ExportWord

BIDI_ISOLATES = str.maketrans("", "", "\u2068\u2069")

SEGMENTS = (
    ExportSegment(0.0, 2.5, "Interviewer", "Thanks for joining, [NAME-1].", "en",
                  (ExportWord(0.0, 0.4, "Thanks", 0.98), ExportWord(0.4, 0.6, "for", 0.97))),
    ExportSegment(2.5, 7.123, "Participant", 'She said "it helped", but… <not> always & -- > sure.', "en"),
    ExportSegment(7.123, 9.0, "Participant", "First line,\nsecond line", "en"),
    ExportSegment(9.0, 12.001, "Entrevistador", "¿Cómo te sentías? Ñandú, café.", "es"),
    ExportSegment(12.001, 15.5, "प्रतिभागी", "मुझे चैटबॉट से बात करना अच्छा लगा।", "hi"),
    ExportSegment(15.5, 19.25, "Participant", "كنت أتحدث مع التطبيق كل ليلة، لمدة ٣ أشهر.", "ar"),
    ExportSegment(3725.5, 3731.049, "Interviewer", "=SUM(A1) -starts with a dash", "en"),
)  # fmt: skip

SAMPLE = ExportTranscript(
    title="P-017 / Entrevista",
    language="en",
    engine="faster-whisper 1.2.1",
    model="base",
    version=3,
    segments=SEGMENTS,
)


def ms(seconds: float) -> int:
    return round(seconds * 1000)
