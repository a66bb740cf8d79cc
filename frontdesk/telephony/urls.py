from django.urls import path

from frontdesk.telephony import views

app_name = "telephony"

urlpatterns = [
    path("missed/", views.missed_calls_page, name="missed_calls"),
    path("missed/<uuid:call_id>/send-sms/", views.send_sms_action, name="send_sms"),
    path("missed/<uuid:call_id>/mark-handled/", views.mark_handled_action, name="mark_handled"),
]
