from django.urls import path

from frontdesk.pipeline import views

app_name = "pipeline"
urlpatterns = [
    path("", views.board_page, name="leads"),
    path("leads/", views.lead_list_page, name="lead_list"),
    path("leads/new/", views.lead_new, name="lead_new"),
    path("leads/<uuid:pk>/", views.lead_page, name="lead"),
    path("leads/<uuid:pk>/move/", views.lead_move, name="lead_move"),
    path(
        "leads/<uuid:pk>/<slug:action>/",
        views.lead_action,
        name="lead_action",
    ),
    path("interactions/log/", views.interaction_log_page, name="interaction_log"),
    path("interactions/<uuid:pk>/follow-up/", views.follow_up_set, name="follow_up_set"),
    path("followups/", views.followups_page, name="followups"),
    path("stale/", views.stale_page, name="stale"),
    path("opportunities/", views.opportunity_list_page, name="opportunities"),
    path("opportunities/<uuid:pk>/", views.opportunity_page, name="opportunity"),
    path("opportunities/<uuid:pk>/win/", views.opportunity_win, name="opportunity_win"),
    path("opportunities/<uuid:pk>/lose/", views.opportunity_lose, name="opportunity_lose"),
    path("reports/", views.reports_page, name="reports"),
    path("stages/", views.stages_page, name="stages"),
]
