from django.urls import path

from devices.embed import views

app_name = "embed"

# The sidebar's URL is a contract: helpdesk apps and URL templates point at it (README).
urlpatterns = [
    path("", views.sidebar, name="sidebar"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
]
