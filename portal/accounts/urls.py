from django.urls import path

from portal.accounts import views

app_name = "accounts"
urlpatterns = [
    path("otp/", views.otp_verify, name="otp_verify"),
    path("otp/enroll/", views.otp_enroll, name="otp_enroll"),
    path("password/", views.password_change, name="password_change"),
    path("audit/verify/", views.audit_verify, name="audit_verify"),
]
