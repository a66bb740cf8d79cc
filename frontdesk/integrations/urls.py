from django.urls import path

from frontdesk.integrations.webhooks import views

app_name = "integrations"
urlpatterns = [
    path("webhooks/", views.webhook_list_page, name="webhooks"),
    path("webhooks/<uuid:webhook_id>/", views.webhook_detail_page, name="webhook"),
    path("webhooks/<uuid:webhook_id>/rotate/", views.webhook_rotate, name="webhook_rotate"),
    path("webhooks/<uuid:webhook_id>/test/", views.webhook_test, name="webhook_test"),
    path("webhooks/<uuid:webhook_id>/delete/", views.webhook_delete, name="webhook_delete"),
    path(
        "webhooks/<uuid:webhook_id>/deliveries/<uuid:delivery_id>/",
        views.webhook_delivery_page,
        name="webhook_delivery",
    ),
    path(
        "webhooks/<uuid:webhook_id>/deliveries/<uuid:delivery_id>/replay/",
        views.webhook_delivery_replay,
        name="webhook_delivery_replay",
    ),
]
