from django.urls import path

from devices import views

# These paths are a contract: helpdesk tickets deep-link to them (see DESIGN.md).
urlpatterns = [
    path("", views.search, name="search"),
    path("devices/sn/<str:sn>/", views.device_by_sn, name="device_by_sn"),
    path("devices/id/<str:dev_id>/", views.device_by_id, name="device_by_id"),
    path("users/<str:user_id>/devices/", views.user_devices, name="user_devices"),
    # An owner's list fills its rows from here, one device each (the list's page script).
    path(
        "users/<str:user_id>/devices/<str:dev_id>/check/",
        views.owner_list_check,
        name="owner_list_check",
    ),
    path("lookups/", views.my_lookups, name="my_lookups"),
    path("settings/", views.person_settings, name="person_settings"),
]
