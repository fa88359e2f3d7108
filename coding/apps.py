from django.apps import AppConfig


class CodingConfig(AppConfig):
    name = "coding"
    verbose_name = "Coding"

    def ready(self) -> None:
        # review sits below coding and may not import it: an approved transcript version enters the coding queue
        # through the hook registered here; a partial withdrawal after a distress mark (studies) reaches codings
        # through its cut hook.
        from coding.services.cut import cut_codings_after_mark
        from coding.services.queue import enqueue_approved_version
        from review.services.approval import register_approval_hook
        from studies.services.partial_withdrawal import register_cut_hook

        register_approval_hook(enqueue_approved_version)
        register_cut_hook(cut_codings_after_mark)
