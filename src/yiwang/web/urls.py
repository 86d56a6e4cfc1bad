from django.urls import path

from yiwang.web import jobs, views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("my/", views.my_items, name="my-items"),
    path("my/<uuid:instance_id>/", views.my_item, name="my-item"),
    path("my/<uuid:instance_id>/transition/", views.my_item_transition, name="my-item-transition"),
    path("workbench/", views.workbench, name="workbench"),
    path("workbench/instances/<uuid:instance_id>/", views.instance_detail, name="instance"),
    path("workbench/instances/<uuid:instance_id>/urge/", views.instance_urge, name="instance-urge"),
    path(
        "workbench/instances/<uuid:instance_id>/transition/",
        views.instance_transition,
        name="instance-transition",
    ),
    path("jobs/<int:job_id>/", jobs.job_page, name="job"),
    path("jobs/<int:job_id>/progress/", jobs.job_progress, name="job-progress"),
    path("jobs/<int:job_id>/result/", jobs.job_result, name="job-result"),
]
