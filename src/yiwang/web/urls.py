from django.urls import path

from yiwang.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("workbench/", views.workbench, name="workbench"),
    path("workbench/instances/<uuid:instance_id>/", views.instance_detail, name="instance"),
    path(
        "workbench/instances/<uuid:instance_id>/transition/",
        views.instance_transition,
        name="instance-transition",
    ),
]
