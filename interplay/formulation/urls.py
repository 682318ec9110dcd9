from django.urls import path

from interplay.formulation import views

app_name = "formulation"

urlpatterns = [
    path("<uuid:public_id>/", views.page, name="page"),
    path("<uuid:public_id>/people/add/", views.add_person, name="add_person"),
    path("<uuid:public_id>/circle/", views.place, name="place"),
    path("<uuid:public_id>/timeline/add/", views.add_event, name="add_event"),
    path("<uuid:public_id>/focus/", views.focus, name="focus"),
    path("<uuid:public_id>/focus/history/", views.focus_history, name="focus_history"),
    path("people/<uuid:public_id>/", views.person, name="person"),
    path("people/<uuid:public_id>/edit/", views.edit_person, name="edit_person"),
]
