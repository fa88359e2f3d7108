"""Recordings, Whisper transcription jobs and transcripts (built by the transcription issue)."""
