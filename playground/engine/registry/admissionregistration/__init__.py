"""The admissionregistration.k8s.io API group's kinds, one file each (stored only: the
sandbox calls no webhook and evaluates no admission policy)."""
