"""The coordination API group's kinds, one file each."""
