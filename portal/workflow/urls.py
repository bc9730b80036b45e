from django.urls import path

from portal.workflow import views

app_name = "workflow"
urlpatterns = [
    path("", views.case_list_view, name="case_list"),
    path("new/", views.case_new_view, name="case_new"),
    path("evaluation/", views.evaluation_view, name="evaluation"),
    path("inbox/", views.inbox_view, name="inbox"),
    path("search/", views.case_search_view, name="case_search"),
    path("inbox/<int:step_id>/<str:verb>/", views.inbox_claim_view, name="inbox_claim"),
    path("<str:number>/", views.case_detail_view, name="case_detail"),
    path(
        "<str:number>/photos/<int:attachment_id>/",
        views.attachment_original_view,
        name="attachment_original",
    ),
    path("<str:number>/<str:action>/", views.case_action_view, name="case_action"),
]
