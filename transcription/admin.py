"""Read-mostly admin for support staff: ids, states and timings only (no transcript text, no audio)."""

from __future__ import annotations

from django.contrib import admin

from transcription.models import Recording, Transcript, TranscriptionJob


@admin.register(Recording)
class RecordingAdmin(admin.ModelAdmin):
    list_display = ("id", "interview", "layout", "created_at")
    list_filter = ("layout",)
    readonly_fields = ("interview", "layout", "expected_speakers", "uploaded_by")


@admin.register(TranscriptionJob)
class TranscriptionJobAdmin(admin.ModelAdmin):
    list_display = ("id", "recording", "status", "attempts", "progress", "heartbeat_at", "worker")
    list_filter = ("status",)
    readonly_fields = ("recording", "attempts", "heartbeat_at", "worker", "claimed_at", "finished_at")


@admin.register(Transcript)
class TranscriptAdmin(admin.ModelAdmin):
    list_display = ("id", "recording", "state", "language", "has_speech", "created_at")
    list_filter = ("state", "language", "has_speech")
    readonly_fields = ("recording", "language", "language_probability", "duration", "has_speech")
