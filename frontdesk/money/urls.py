from django.urls import path

from frontdesk.money import views

app_name = "billing"
urlpatterns = [
    path("invoices/", views.invoice_list_page, name="invoices"),
    path("invoices/new/", views.invoice_new_page, name="invoice_new"),
    path("invoices/<uuid:pk>/", views.invoice_page, name="invoice"),
    path("invoices/<uuid:pk>/edit/", views.invoice_edit_page, name="invoice_edit"),
    path("invoices/<uuid:pk>/issue/", views.invoice_issue, name="invoice_issue"),
    path("invoices/<uuid:pk>/void/", views.invoice_void, name="invoice_void"),
    path("invoices/<uuid:pk>/pay/", views.invoice_pay, name="invoice_pay"),
    path("quotes/", views.quote_list_page, name="quotes"),
    path("quotes/<uuid:pk>/", views.quote_page, name="quote"),
    path("quotes/<uuid:pk>/accept/", views.quote_accept, name="quote_accept"),
    path("quotes/<uuid:pk>/decline/", views.quote_decline, name="quote_decline"),
    path("payments/", views.payment_list_page, name="payments"),
    path("customers/<uuid:customer_pk>/statement/", views.statement_page, name="statement"),
    path("receivables/", views.receivables_page, name="receivables"),
    path("rates/", views.catalog_page, name="rates"),
    path("rates/services/<uuid:pk>/toggle/", views.service_toggle, name="service_toggle"),
]
