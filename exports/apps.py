from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "exports"
    verbose_name = "Exports"

    def ready(self) -> None:
        # studies sits below exports and may not import it: a delete-everything withdrawal and a partial withdrawal
        # after a distress mark reach the archives through the hooks registered here.
        from exports.services.removal import erase_exports_after_cut, erase_exports_holding
        from studies.services.partial_withdrawal import register_cut_hook
        from studies.services.withdrawal import register_erasure_hook

        register_erasure_hook(erase_exports_holding)
        register_cut_hook(erase_exports_after_cut)
