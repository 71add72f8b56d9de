"""The batch API group's kinds, one file each."""
