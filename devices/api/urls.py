from django.contrib.auth.decorators import login_required
from django.urls import path

from devices.api import views

app_name = "api"

# These paths are a contract: integrations are written against them (README, Integrations).
# REST framework's views skip the site's login redirect: they authenticate with API tokens.
urlpatterns = [
    path("devices/sn/<str:sn>/", views.DeviceBySerial.as_view(), name="device_by_sn"),
    path("devices/id/<str:dev_id>/", views.DeviceById.as_view(), name="device_by_id"),
    path("users/<str:access_id>/devices/", views.UserDevices.as_view(), name="user_devices"),
    path("schema/", views.Schema.as_view(), name="schema"),
    # A page for people: signed in with the site's session, else to the login page.
    path("docs/", login_required(views.Docs.as_view()), name="docs"),
]
