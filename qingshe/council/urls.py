"""Pages of the council app."""

from django.urls import path

from qingshe.council import views, views_evaluations, views_feedback, views_public

app_name = "council"

urlpatterns = [
    path("", views.home, name="home"),
    path("c/<int:pk>/", views.community, name="community"),
    path("c/<int:pk>/build/", views.list_build, name="list_build"),
    path("c/<int:pk>/public/", views_public.public, name="public"),
    path("lists/<int:pk>/", views.list_detail, name="list"),
    path("lists/<int:pk>/finalise/", views.list_finalise, name="list_finalise"),
    path("lists/<int:pk>/meeting/", views.meeting_new, name="meeting_new"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/items/<int:item_pk>/resolve/", views.meeting_resolve, name="resolve"),
    path("meetings/<int:pk>/close/", views.meeting_close, name="meeting_close"),
    path("verify/<int:need_pk>/", views.verify, name="verify"),
    path("rate/<str:token>/", views_public.rate, name="rate"),
    path("feedback/", views_feedback.feedback_list, name="feedback_list"),
    path("feedback/new/<int:pairing_pk>/", views_feedback.feedback_new, name="feedback_new"),
    path("feedback/<int:pk>/", views_feedback.feedback_detail, name="feedback"),
    path("scores/", views_feedback.scores, name="scores"),
    path("evaluate/", views_evaluations.evaluate, name="evaluate"),
]
