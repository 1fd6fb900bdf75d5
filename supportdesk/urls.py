from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView

from devices import health, metrics
from devices.signin import ThrottledLoginView
from devices.sso import views as sso
from devices.twofactor import views as two_factor

urlpatterns = [
    path("", include("devices.urls")),
    path("api/v1/", include("devices.api.urls")),
    path("embed/", include("devices.embed.urls")),
    path("history/", include("devices.history.urls")),
    path("bulk/", include("devices.bulk.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    # Also ends the provider's session after a company sign-in (RP-initiated logout).
    path("accounts/logout/", sso.LogoutView.as_view(), name="logout"),
    path("accounts/sso/start/", sso.SsoStartView.as_view(), name="sso_start"),
    path("accounts/sso/callback/", sso.SsoCallbackView.as_view(), name="sso_callback"),
    path("accounts/sso/no-access/", sso.no_access, name="sso_no_access"),
    path("accounts/two-factor/", two_factor.enrol, name="two_factor_enrol"),
    path("accounts/two-factor/verify/", two_factor.verify, name="two_factor_verify"),
    path(
        "accounts/two-factor/recovery-codes/",
        two_factor.recovery_codes,
        name="two_factor_recovery_codes",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    # One sign-in page, throttled, for the dashboard and the admin alike.
    path(
        "admin/login/",
        login_not_required(RedirectView.as_view(pattern_name="login", query_string=True)),
    ),
    path("admin/logout/", sso.LogoutView.as_view()),
    path("admin/", admin.site.urls),
]

# A database that cannot be used is a translated 503, not a 500 (devices/outage.py).
handler500 = "devices.outage.server_error"
