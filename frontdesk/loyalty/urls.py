from django.urls import path

from frontdesk.loyalty import views

app_name = "loyalty"
urlpatterns = [
    path("rewards/", views.rewards_page, name="rewards"),
    path("rewards/<uuid:pk>/toggle/", views.reward_toggle, name="reward_toggle"),
    path("customers/<uuid:pk>/", views.customer_loyalty, name="customer"),
    path("customers/<uuid:pk>/add/", views.points_add, name="points_add"),
    path("customers/<uuid:pk>/redeem/", views.points_redeem, name="points_redeem"),
]
