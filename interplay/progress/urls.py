from django.urls import path

from interplay.progress import views

app_name = "progress"

urlpatterns = [
    path("courses/<uuid:public_id>/problems/", views.problems, name="problems"),
    path("courses/<uuid:public_id>/problems/add/", views.add_problem, name="add_problem"),
    path("courses/<uuid:public_id>/problems/rerate/", views.rerate, name="rerate"),
    path("problems/<uuid:public_id>/share/", views.share_problem, name="share_problem"),
    path("tasks/<uuid:public_id>/share/", views.share_task, name="share_task"),
    path("courses/<uuid:public_id>/ending/", views.ending, name="ending"),
    path("courses/<uuid:public_id>/ending/save/", views.save_ending, name="save_ending"),
    path("courses/<uuid:public_id>/letters/", views.letters_page, name="letters"),
    path(
        "courses/<uuid:public_id>/letters/<slug:kind>/save/", views.save_letter, name="save_letter"
    ),
    path("courses/<uuid:public_id>/letters/<slug:kind>/produce/", views.produce, name="produce"),
    path("letters/<uuid:public_id>/share/", views.share_letter, name="share_letter"),
    path("letters/<uuid:public_id>/pdf", views.letter_pdf, name="letter_pdf"),
]
