from django.urls import path

from interplay.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("list/<slug:figure>/", views.figure_list, name="list"),
    path("list/<slug:figure>/csv/", views.list_csv, name="list_csv"),
    path("csv/<slug:table>/", views.table_csv, name="table_csv"),
]
