from django.urls import path

from yiwang.identity import views

app_name = "identity"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("profile/", views.profile_view, name="profile"),
    path("password/", views.password_change_view, name="password_change"),
    path("tokens/", views.token_create_view, name="token_create"),
    path("tokens/<uuid:uid>/revoke/", views.token_revoke_view, name="token_revoke"),
]
