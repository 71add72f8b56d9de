"""The scheduling API group's kinds, one file each."""
