from django.urls import path

from interplay.triage import views

app_name = "triage"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("referrals/<uuid:public_id>/", views.referral, name="referral"),
    path("referrals/<uuid:public_id>/assessment/", views.save_assessment, name="assessment"),
    path("referrals/<uuid:public_id>/contacts/", views.log_contact, name="contact"),
    path("referrals/<uuid:public_id>/decision/", views.decide, name="decision"),
    path("referrals/<uuid:public_id>/withdraw/", views.withdraw, name="withdraw"),
    path("referrals/<uuid:public_id>/allocate/", views.allocate, name="allocate"),
    path("referrals/<uuid:public_id>/opt-in/", views.send_opt_in, name="opt_in"),
    path("referrals/<uuid:public_id>/merge/", views.merge, name="merge"),
    path("merges/<uuid:merge_id>/undo/", views.undo_merge, name="undo_merge"),
    path("merges/<uuid:merge_id>/confirm/", views.confirm_merge, name="confirm_merge"),
    path("capacity/", views.capacity, name="capacity"),
]
