from django.urls import path

from studies import views

app_name = "studies"
urlpatterns = [
    path("", views.study_list, name="list"),
    path("<slug:slug>/", views.study_detail, name="detail"),
    path("<slug:slug>/team/", views.study_team, name="team"),
]
