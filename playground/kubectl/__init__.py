"""kubectl's client side, apart from the engine (as k8s.io/kubectl is apart from the API server).

Pure Python, no Django; it uses the engine only through the Cluster's public API.

- apply: client-side apply, the three-way merge with the last-applied annotation
- drain: cordon, uncordon, drain (evictions that respect PodDisruptionBudgets)
- rollout: status, history, restart, undo, pause, resume
- set_image: kubectl set image
- describe: kubectl describe, a describer registered per kind
- explain: kubectl explain from the API schemas, and custom resources from their CRDs' schemas
- cmd: the console's verbs, each registered with its own flags
- console: parse, run and complete a command line
"""
