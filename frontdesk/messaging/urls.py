from django.urls import path

from frontdesk.messaging import views

app_name = "messaging"
urlpatterns = [
    path("", views.outbox, name="outbox"),
    path("approvals", views.approvals, name="approvals"),
    path("new", views.compose, name="compose"),
    path("replies", views.inbound, name="inbound"),
    path("templates", views.templates, name="templates"),
    path("templates/<uuid:template_id>", views.template_edit, name="template_edit"),
    path("settings", views.settings_page, name="settings"),
    path("notifications", views.notifications, name="notifications"),
    path(
        "notifications/<uuid:notification_id>/open",
        views.notification_open,
        name="notification_open",
    ),
    path("<uuid:message_id>", views.detail, name="detail"),
    path("<uuid:message_id>/approve", views.approve, name="approve"),
    path("<uuid:message_id>/reject", views.reject, name="reject"),
]
