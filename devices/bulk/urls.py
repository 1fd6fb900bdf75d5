from django.urls import path

from devices.bulk import views

app_name = "bulk"

# These paths are a contract (README, "Bulk lookups").
urlpatterns = [
    path("", views.bulk_new, name="new"),
    path("<int:job_id>/", views.bulk_job, name="job"),
    path("<int:job_id>/progress/", views.bulk_progress, name="progress"),
    path("<int:job_id>/cancel/", views.bulk_cancel, name="cancel"),
    path("<int:job_id>/export.csv", views.bulk_export_csv, name="export_csv"),
    path("<int:job_id>/export.xlsx", views.bulk_export_xlsx, name="export_xlsx"),
]
