"""A Kubernetes-compatible REST API over each sandbox, for the real kubectl and client libraries.

Everything here is plain Python over the engine; `views.py` is the only Django part.
"""
