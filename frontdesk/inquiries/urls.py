from django.urls import path

from frontdesk.inquiries import views

app_name = "inquiries"

urlpatterns = [
    path("", views.inbox_page, name="inbox"),
    path("<uuid:inquiry_id>/", views.detail_page, name="detail"),
    path("<uuid:inquiry_id>/assign/", views.assign_action, name="assign"),
    path("<uuid:inquiry_id>/reply/", views.reply_action, name="reply"),
    path("<uuid:inquiry_id>/resolve/", views.resolve_action, name="resolve"),
]
