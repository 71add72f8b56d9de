"""The certificates.k8s.io API group's kinds, one file each."""
