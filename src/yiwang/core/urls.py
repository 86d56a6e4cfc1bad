from django.urls import path

from yiwang.core import views

app_name = "core"
urlpatterns = [
    path("files/<uuid:uid>/", views.file_download, name="file_download"),
    path("notifications/", views.notification_centre, name="notifications"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("notifications/<int:notification_id>/read/", views.notification_read, name="notification_read"),
]
