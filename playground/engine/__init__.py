"""A mini Kubernetes that runs in-process: store, API server, scheduler, kubelets, controllers.

Pure Python: nothing here imports Django, so the engine can be tested, benchmarked and
reused on its own. Other parts of the product use it only through :class:`Cluster`.
"""

from playground.engine.cluster import Cluster
from playground.engine.errors import ApiError

__all__ = ["ApiError", "Cluster"]
