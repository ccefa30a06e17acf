from django.urls import path

from qingshe.needs.views import projects as views

app_name = "projects"
# Mounted at /projects/. The services link to /projects/<id>/ in their notifications.
urlpatterns = [
    path("", views.group_list, name="list"),
    path("new/", views.group_create, name="create"),
    path("mine/", views.my_applications, name="mine"),
    path("<int:pk>/", views.group_detail, name="detail"),
    path("<int:pk>/edit/", views.group_edit, name="edit"),
    path("<int:pk>/close/", views.group_close, name="close"),
    path("<int:pk>/apply/", views.group_apply, name="apply"),
    path("<int:pk>/members/<int:member_id>/decide/", views.member_decide, name="decide"),
    path("<int:pk>/members/<int:member_id>/leader/", views.member_make_leader, name="leader"),
    path("<int:pk>/members/<int:member_id>/leave/", views.member_leave, name="leave"),
    path("<int:pk>/tasks/", views.task_create, name="task_create"),
    path("<int:pk>/tasks/<int:task_id>/", views.task_update, name="task_update"),
    path("<int:pk>/resources/", views.resource_link, name="resource_link"),
    path(
        "<int:pk>/resources/<int:resource_id>/unlink/",
        views.resource_unlink,
        name="resource_unlink",
    ),
]
