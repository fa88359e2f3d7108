from django.apps import AppConfig


class TranscriptionConfig(AppConfig):
    name = "transcription"
    verbose_name = "Transcription"

    def ready(self) -> None:
        # studies sits below transcription and may not import it: a withdrawal (any scope), a partial withdrawal
        # after a distress mark and the retention sweep reach recordings, jobs and transcripts through these hooks.
        from studies.services.partial_withdrawal import register_cut_hook
        from studies.services.retention import register_raw_audio_purge
        from studies.services.withdrawal import register_withdrawal_hook
        from transcription.services.partial_withdrawal import cut_after_mark
        from transcription.services.retention import purge_raw_audio
        from transcription.services.withdrawal import withdraw_participant_work

        register_withdrawal_hook(withdraw_participant_work)
        register_cut_hook(cut_after_mark)
        register_raw_audio_purge(purge_raw_audio)
