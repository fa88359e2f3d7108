"""django.contrib.admin, set up with the audited admin site behind the second factor (accounts/admin_site.py).

In its own module because INSTALLED_APPS imports it before any model can be."""

from django.contrib.admin.apps import AdminConfig


class AuditedAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.AuditedAdminSite"
