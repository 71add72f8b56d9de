"""The VM translator: a VM's .vmx, .ovf or .ova turned into Kubernetes, with the mapping
line by line. The domain modules (vmx, ovf, mapping, to_vm_service, to_workload) import
nothing from Django; views.py and the management command are thin layers over them."""
