"""The discovery API group's kinds, one file each."""
