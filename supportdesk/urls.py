from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView

from devices import health
from devices.signin import ThrottledLoginView

urlpatterns = [
    path("", include("devices.urls")),
    path("api/v1/", include("devices.api.urls")),
    path("embed/", include("devices.embed.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    # One sign-in page, throttled, for the dashboard and the admin alike.
    path(
        "admin/login/",
        login_not_required(RedirectView.as_view(pattern_name="login", query_string=True)),
    ),
    path("admin/", admin.site.urls),
]
