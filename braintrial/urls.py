"""Root URL configuration: participant flow at the root, researchers under /dashboard/.

The bare address leads to the researchers' study list (the login page for anyone else):
participants arrive through their study's own link, /s/<study>/.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="dashboard:study_list"), name="home"),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("braintrial.participants.urls")),
    # The public results (/p/<slug>/) and the releases page (/dashboard/<slug>/releases/).
    path("", include("braintrial.public.urls")),
    path("dashboard/", include("braintrial.dashboard.urls")),
    path("exports/", include("braintrial.exports.urls")),
    path("api/", include("braintrial.api.urls")),
]

# An unavailable database gets the self-reloading 503 page, anything else a plain 500 page.
# None of the error pages reads the request's body or runs the CSRF check (braintrial.errors).
handler400 = "braintrial.errors.bad_request"
handler403 = "braintrial.errors.permission_denied"
handler404 = "braintrial.errors.page_not_found"
handler500 = "braintrial.resilience.server_error"
