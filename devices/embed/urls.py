from django.urls import path

from devices.embed import views

app_name = "embed"

# The sidebar's URL is a contract: helpdesk apps and URL templates point at it (README).
urlpatterns = [
    path("", views.sidebar, name="sidebar"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    # A user's devices, each row checked after the list is shown (as on the user's page).
    path(
        "users/<str:user_id>/devices/<str:dev_id>/check/",
        views.owner_list_check,
        name="owner_list_check",
    ),
]
