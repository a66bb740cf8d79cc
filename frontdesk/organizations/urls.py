from django.urls import path

from frontdesk.organizations import views

app_name = "organizations"
urlpatterns = [
    path("", views.settings_page, name="settings"),
    path("staff/", views.staff_page, name="staff"),
    path("staff/<uuid:membership_id>/", views.staff_change, name="staff_change"),
    path("tokens/", views.tokens_page, name="tokens"),
    path("tokens/<uuid:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]
