"""kube-controller-manager's control loops. Each enqueues keys from watch events and
does all its work in ``reconcile(key)``, re-reading current state (level-based)."""
