"""The apps API group's kinds, one file each."""
