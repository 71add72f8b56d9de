"""The storage API group's kinds, one file each."""
