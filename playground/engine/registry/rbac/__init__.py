"""The rbac API group's kinds, one file each."""
