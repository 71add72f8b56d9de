"""The policy API group's kinds, one file each."""
