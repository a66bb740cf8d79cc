from django.urls import path

from frontdesk.memberships import views

app_name = "memberships"
urlpatterns = [
    path("plans/", views.plans_page, name="plans"),
    path("plans/<uuid:pk>/", views.plan_edit, name="plan_edit"),
    path("plans/<uuid:pk>/toggle/", views.plan_toggle, name="plan_toggle"),
    path("customers/<uuid:pk>/", views.customer_memberships, name="customer"),
    path("customers/<uuid:pk>/assign/", views.membership_assign, name="assign"),
    path("customers/<uuid:pk>/cancel/", views.membership_cancel, name="cancel"),
]
