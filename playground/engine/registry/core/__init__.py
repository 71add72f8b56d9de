"""The core (legacy, "") API group's kinds, one file each."""
