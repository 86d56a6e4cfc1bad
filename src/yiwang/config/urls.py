from django.contrib import admin
from django.urls import include, path

from yiwang.config.api import api
from yiwang.identity import views as identity_views
from yiwang.web import views as web_views

admin.site.site_header = "一网 · 平台管理"
admin.site.site_title = "一网平台管理"
admin.site.index_title = "主数据与配置"

# What Django itself refuses (body too large, bad Host, …) and unexpected errors: the Chinese page, or
# the error envelope under /api/ (web.guards).
handler400 = "yiwang.web.guards.bad_request"
handler500 = "yiwang.web.guards.server_error"

urlpatterns = [
    path("healthz", web_views.healthz, name="healthz"),
    path("readyz", web_views.readyz, name="readyz"),
    path("api/v1/", api.urls),
    # One login for the whole platform (lockout, audit, phone login): the admin's own form is not used.
    path("admin/login/", identity_views.admin_login_view),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("yiwang.identity.urls")),
    path("", include("yiwang.core.urls")),
    path("services/", include("yiwang.services.urls")),
    path("hotline/", include("yiwang.hotline.urls")),
    path("open311/v2/", include("yiwang.hotline.open311_urls")),
    path("", include("yiwang.web.urls")),
]
