from django.urls import path

from interplay.clinic import views

app_name = "settings"

urlpatterns = [
    path("", views.index, name="index"),
    path("words/", views.words, name="words"),
    path("rules/", views.rules, name="rules"),
    path("rooms/", views.rooms, name="rooms"),
    path("rooms/<int:pk>/", views.room, name="room"),
    path("closures/", views.closures, name="closures"),
    path("closures/<int:pk>/remove/", views.remove_closure, name="remove_closure"),
]
