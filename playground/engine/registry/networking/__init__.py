"""The networking API group's kinds, one file each."""
