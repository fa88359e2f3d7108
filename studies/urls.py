from django.urls import path

from studies import participant_views, schedule_views, views

app_name = "studies"
urlpatterns = [
    path("", views.study_list, name="list"),
    path("<slug:slug>/", views.study_detail, name="detail"),
    path("<slug:slug>/team/", views.study_team, name="team"),
    path("<slug:slug>/participants/", participant_views.participant_list, name="participants"),
    path("<slug:slug>/participants/select/", participant_views.select, name="select"),
    path("<slug:slug>/participants/<str:code>/", participant_views.participant_detail, name="participant"),
    path("<slug:slug>/participants/<str:code>/review/", participant_views.review, name="review"),
    path("<slug:slug>/participants/<str:code>/withdraw/", schedule_views.withdraw, name="withdraw"),
    path("<slug:slug>/slots/", schedule_views.slots, name="slots"),
]
