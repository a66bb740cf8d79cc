from django.urls import path

from frontdesk.scheduling import views

app_name = "scheduling"
urlpatterns = [
    path("", views.calendar_page, name="calendar"),
    path("book/", views.book, name="book"),
    path("book/customers/", views.customer_search, name="customer_search"),
    path("book/vehicles/", views.customer_vehicles, name="customer_vehicles"),
    path("appointments/<uuid:pk>/", views.appointment_page, name="appointment"),
    path("appointments/<uuid:pk>/status/", views.appointment_status, name="appointment_status"),
    path(
        "appointments/<uuid:pk>/reschedule/",
        views.appointment_reschedule,
        name="appointment_reschedule",
    ),
    path("appointments/<uuid:pk>/convert/", views.appointment_convert, name="appointment_convert"),
    path("jobs/", views.job_list_page, name="jobs"),
    path("jobs/<uuid:pk>/", views.job_page, name="job"),
    path("jobs/<uuid:pk>/status/", views.job_status, name="job_status"),
    path("jobs/<uuid:pk>/lines/", views.job_line_add, name="job_line_add"),
    path(
        "jobs/<uuid:pk>/lines/<uuid:line_id>/delete/",
        views.job_line_delete,
        name="job_line_delete",
    ),
    path("jobs/<uuid:pk>/recommendations/", views.recommendation_add, name="recommendation_add"),
    path(
        "recommendations/<uuid:pk>/decide/",
        views.recommendation_decide,
        name="recommendation_decide",
    ),
    path(
        "recommendations/<uuid:pk>/follow-up/",
        views.recommendation_follow_up,
        name="recommendation_follow_up",
    ),
    path("declined-work/", views.declined_work_page, name="declined_work"),
    path("resources/", views.resources_page, name="resources"),
    path("resources/bays/<uuid:pk>/toggle/", views.bay_toggle, name="bay_toggle"),
    path("resources/closures/<uuid:pk>/remove/", views.closure_remove, name="closure_remove"),
]
