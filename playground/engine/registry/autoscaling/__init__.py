"""The autoscaling API group's kinds, one file each."""
