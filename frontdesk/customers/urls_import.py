from django.urls import path

from frontdesk.customers import views_import as views

app_name = "customer_import"
urlpatterns = [
    path("", views.import_start, name="start"),
    path("<uuid:import_id>/", views.import_detail, name="detail"),
    path("<uuid:import_id>/run", views.import_run, name="run"),
    path("<uuid:import_id>/revert", views.import_revert, name="revert"),
]
