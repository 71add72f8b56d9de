"""The controllers kube-controller-manager (and friends) run, one line each.

The order is the order in which each write is routed to them, which decides the order
their keys are queued in; keep it stable. A controller that only some clusters run says so
in its ``enabled(options)``.
"""

from __future__ import annotations

from playground.engine.controllers.autoscaler import AutoscalerController
from playground.engine.controllers.base import Controller
from playground.engine.controllers.capi import ClusterAPIController
from playground.engine.controllers.crd import CRDController
from playground.engine.controllers.daemonset import DaemonSetController
from playground.engine.controllers.deployment import DeploymentController
from playground.engine.controllers.disruption import DisruptionController
from playground.engine.controllers.endpoints import EndpointsController
from playground.engine.controllers.garbagecollector import GarbageCollector
from playground.engine.controllers.gateway import GatewayController
from playground.engine.controllers.job import CronJobController, JobController
from playground.engine.controllers.namespace import NamespaceController
from playground.engine.controllers.ncp import NsxContainerPlugin
from playground.engine.controllers.nodelifecycle import NodeLifecycleController
from playground.engine.controllers.replicaset import ReplicaSetController
from playground.engine.controllers.replicationcontroller import ReplicationManager
from playground.engine.controllers.resourcequota import ResourceQuotaController
from playground.engine.controllers.service import ServiceController
from playground.engine.controllers.serviceaccount import ServiceAccountController
from playground.engine.controllers.snapshot import SnapshotController
from playground.engine.controllers.statefulset import StatefulSetController
from playground.engine.controllers.vmoperator import VirtualMachineOperator
from playground.engine.controllers.volume import VolumeController

CONTROLLERS: list[type[Controller]] = [
    ReplicaSetController,
    DeploymentController,
    GarbageCollector,
    NodeLifecycleController,
    NamespaceController,
    DisruptionController,
    ResourceQuotaController,
    ServiceAccountController,
    EndpointsController,
    ServiceController,
    DaemonSetController,
    StatefulSetController,
    JobController,
    CronJobController,
    VolumeController,
    AutoscalerController,
    NsxContainerPlugin,
    CRDController,
    ReplicationManager,
    GatewayController,
    SnapshotController,
    VirtualMachineOperator,
    ClusterAPIController,
]
