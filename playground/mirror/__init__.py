"""The mirror: a real cluster, read through the official client, shown in vSphere terms.

`sources` finds the clusters the server may read (its kubeconfig contexts and, inside a
pod, its service account); `readonly` is the only way out to them; `informer` keeps a
copy in step with list and watch; `storage` keeps that copy in the database for the web
processes; `views` and `copy` are what people use it for. `informer` and `readonly`
import nothing from Django, so the benchmark drives them directly.
"""
