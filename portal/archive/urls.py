from django.urls import path

from portal.archive import views

app_name = "archive"
urlpatterns = [
    path("", views.archive_search_view, name="search"),
    path("items/<int:pk>/", views.item_detail_view, name="item_detail"),
    path("items/<int:pk>/files/<int:file_id>/", views.item_file_view, name="item_file"),
    path("items/<int:pk>/correct/", views.item_correct_view, name="item_correct"),
    path("items/<int:pk>/print/", views.item_print_view, name="item_print"),
    path("items/<int:pk>/appraise/", views.item_appraise_view, name="item_appraise"),
    path("items/<int:pk>/holds/", views.hold_place_view, name="hold_place"),
    path("holds/<int:pk>/lift/", views.hold_lift_view, name="hold_lift"),
    path("borrow/", views.borrow_list_view, name="borrow_list"),
    path("borrow/new/", views.borrow_new_view, name="borrow_new"),
    path("borrow/inbox/", views.borrow_inbox_view, name="borrow_inbox"),
    path("borrow/<int:pk>/decide/", views.borrow_decide_view, name="borrow_decide"),
    path("disposition/", views.disposition_view, name="disposition"),
    path("destruction/", views.destruction_propose_view, name="destruction_propose"),
    path("destruction/<int:pk>/", views.destruction_detail_view, name="destruction_detail"),
    path("destruction/register/", views.destruction_register_view, name="destruction_register"),
    path("catalogue/", views.catalogue_view, name="catalogue"),
    path("verify/<uuid:token>/", views.verify_view, name="verify"),
]
