"""apiextensions.k8s.io: the CustomResourceDefinition kind, and the Strategy of the kinds it adds."""
