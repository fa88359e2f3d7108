from django.apps import AppConfig


class TranscriptionConfig(AppConfig):
    name = "transcription"
    verbose_name = "Transcription"

    def ready(self) -> None:
        # studies sits below transcription and may not import it: a withdrawal (any scope) and the retention sweep
        # reach recordings, jobs and transcripts through the hooks registered here.
        from studies.services.retention import register_raw_audio_purge
        from studies.services.withdrawal import register_withdrawal_hook
        from transcription.services.retention import purge_raw_audio
        from transcription.services.withdrawal import withdraw_participant_work

        register_withdrawal_hook(withdraw_participant_work)
        register_raw_audio_purge(purge_raw_audio)
