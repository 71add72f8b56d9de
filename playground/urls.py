from django.urls import path, register_converter

from playground import identities, live_views, views, workshop_views
from playground.mirror import views as mirror_views

register_converter(mirror_views.ContextConverter, "context")

app_name = "playground"

urlpatterns = [
    path("playground/", views.index, name="index"),
    path("playground/new", views.create, name="create"),
    path("playground/try/<slug:scenario>", views.try_scenario, name="try"),
    path("learn/<slug:slug>/", views.path_page, name="path"),
    path("learn/<slug:slug>/<int:number>/", views.path_step, name="path-step"),
    path("labs/", views.lab_index, name="labs"),
    path("workshops/", workshop_views.workshop_list, name="workshops"),
    path("workshops/<uuid:public_id>/", workshop_views.dashboard, name="workshop"),
    path("workshops/<uuid:public_id>/export.csv", workshop_views.export, name="workshop-export"),
    path(
        "workshops/<uuid:public_id>/learners/<uuid:learner_id>/",
        workshop_views.learner,
        name="workshop-learner",
    ),
    path("workshops/<uuid:public_id>/live", live_views.workshop_events, name="workshop-live"),
    path(
        "workshops/<uuid:public_id>/learners/<uuid:learner_id>/row",
        live_views.workshop_row,
        name="workshop-row",
    ),
    path("workshops/<uuid:public_id>/<slug:action>", workshop_views.control, name="workshop-control"),
    path("mirror/", mirror_views.index, name="mirror"),
    path("mirror/<context:name>/", mirror_views.cluster_page, name="mirror-cluster"),
    path("mirror/<context:name>/copy", mirror_views.copy_page, name="mirror-copy"),
    path(
        "mirror/<context:name>/resources/<str:resource>/", mirror_views.resource_page, name="mirror-resource"
    ),
    path(
        "mirror/<context:name>/objects/<str:resource>/<str:namespace>/<str:obj_name>/",
        mirror_views.object_page,
        name="mirror-object",
    ),
    path("join/", workshop_views.join, name="join"),
    path("join/<str:code>", workshop_views.join, name="join-code"),
    path("w/<uuid:public_id>/", workshop_views.seat, name="seat"),
    path("labs/<slug:slug>/start", views.lab_start, name="lab-start"),
    path("labs/attempt/<uuid:public_id>/", views.lab_page, name="lab"),
    path("labs/attempt/<uuid:public_id>/tasks/<int:number>/hint", views.lab_hint, name="lab-hint"),
    path("labs/attempt/<uuid:public_id>/tasks/<int:number>/solve", views.lab_solve, name="lab-solve"),
    path("playground/<uuid:public_id>/", views.sandbox_page, name="sandbox"),
    path("playground/<uuid:public_id>/apply", views.apply, name="apply"),
    path("playground/<uuid:public_id>/kubectl", views.run_console, name="console"),
    path("playground/<uuid:public_id>/kubectl/complete", views.complete_console, name="console-complete"),
    path("playground/<uuid:public_id>/clock", views.clock, name="clock"),
    path("playground/<uuid:public_id>/scheduler", views.scheduler_config, name="scheduler-config"),
    path("playground/<uuid:public_id>/events", views.recent_tasks_pane, name="recent-tasks"),
    path("playground/<uuid:public_id>/live", live_views.sandbox_events, name="live-events"),
    path("playground/<uuid:public_id>/kubeconfig", views.kubeconfig, name="kubeconfig"),
    path(
        "playground/<uuid:public_id>/identities", identities.identity_kubeconfig, name="identity-kubeconfig"
    ),
    path("playground/<uuid:public_id>/add-node", views.add_node, name="add-node"),
    path("playground/<uuid:public_id>/nodes/<str:node>/<slug:action>", views.node_action, name="node-action"),
    path(
        "playground/<uuid:public_id>/workloads/<str:kind>/<str:namespace>/<str:name>/edit",
        views.edit_workload,
        name="edit-workload",
    ),
    path(
        "playground/<uuid:public_id>/namespaces/<str:namespace>/resources",
        views.edit_namespace,
        name="edit-namespace",
    ),
    path("playground/<uuid:public_id>/network/", views.network, name="network"),
    path(
        "playground/<uuid:public_id>/objects/<str:kind>/<str:namespace>/<str:name>/",
        views.object_page,
        name="object",
    ),
    path("playground/<uuid:public_id>/<slug:what>", views.manage, name="manage"),
]
