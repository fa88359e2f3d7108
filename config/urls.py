"""Root URLs. Media has no route here: recordings are streamed only through views that check roles."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.health import healthz
from config.routers import api_router
from studies.api import api_not_found

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="studies:list", permanent=False), name="home"),
    path("healthz", healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("accounts.urls")),
    path("accounts/tokens/", include("studies.token_urls")),  # the token page lists studies: it is theirs
    path("studies/", include("seeds.urls")),  # set-up files: export, clone, a new study from a file
    path("studies/", include("studies.urls")),
    path("studies/<slug:slug>/", include("coding.urls")),
    path("studies/<slug:slug>/", include("transcription.urls")),
    path("studies/<slug:slug>/exports/", include("exports.urls")),
    path("studies/<slug:slug>/dashboard/", include("dashboard.urls")),
    path("studies/<slug:slug>/", include("review.urls")),
    path("p/portal/", include("transcription.portal_urls")),  # the voice interview, in the portal's session
    path("p/portal/", include("review.portal_urls")),  # member checking, in the portal's session
    path("p/", include("studies.public_urls")),
    path("invitations/", include("studies.invitation_urls")),  # joining a study's team, with or without an account
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include((api_router.urls, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^api/", api_not_found),  # unmatched API paths answer with the JSON error body
    path("admin/", admin.site.urls),
]

# Our templates in the active language, or the API's JSON error body under /api/ (config/errors.py).
handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
