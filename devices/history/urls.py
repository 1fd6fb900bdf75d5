from django.urls import path

from devices.history import views

urlpatterns = [
    path("watch/<int:lookup_id>/", views.start, name="watch_start"),
    path("watches/<int:watch_id>/poll/", views.poll, name="watch_poll"),
    path("watches/<int:watch_id>/stop/", views.stop, name="watch_stop"),
]
