from django.urls import path

from interplay.letters import views

app_name = "letters"

urlpatterns = [
    path("<uuid:public_id>/pdf", views.pdf, name="pdf"),
]
