from django.urls import path

from frontdesk.customers import views

app_name = "customers"
urlpatterns = [
    path("customers/", views.customer_list_page, name="list"),
    path("customers/new/", views.customer_create_page, name="create"),
    path("customers/form-row/<str:kind>/", views.customer_form_row, name="form_row"),
    path("customers/check-duplicates/", views.duplicate_check, name="duplicate_check"),
    path("customers/duplicates/", views.duplicates_page, name="duplicates"),
    path(
        "customers/duplicates/<uuid:customer_id>/not-duplicate/<uuid:other_id>/",
        views.duplicate_dismiss_page,
        name="not_duplicate",
    ),
    path("customers/<uuid:customer_id>/", views.customer_detail_page, name="detail"),
    path("customers/<uuid:customer_id>/edit/", views.customer_edit_page, name="edit"),
    path("customers/<uuid:customer_id>/notes/", views.customer_note_add, name="note_add"),
    path("customers/<uuid:customer_id>/tags/", views.customer_tag_add, name="tag_add"),
    path("customers/<uuid:customer_id>/tags/remove/", views.customer_tag_remove, name="tag_remove"),
    path("customers/<uuid:customer_id>/vehicles/", views.customer_vehicle_add, name="vehicle_add"),
    path("customers/<uuid:customer_id>/archive/", views.customer_archive, name="archive"),
    path("customers/<uuid:customer_id>/restore/", views.customer_restore, name="restore"),
    path("customers/<uuid:customer_id>/merge/<uuid:duplicate_id>/", views.merge_page, name="merge"),
    path("vehicles/<uuid:vehicle_id>/", views.vehicle_detail_page, name="vehicle"),
    path("companies/", views.company_list_page, name="companies"),
    path("companies/<uuid:company_id>/", views.company_detail_page, name="company"),
]
