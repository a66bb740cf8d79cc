from django.urls import path

from frontdesk.core import views

app_name = "core"
urlpatterns = [path("", views.dashboard, name="dashboard")]
