"""gunicorn's settings for this app: `gunicorn config.wsgi` run from this directory reads
this file (elsewhere, pass `-c /path/to/gunicorn.conf.py`). Command-line options win.

Threaded workers, because an open watch or `kubectl logs -f` holds a thread for up to
KUBE_API_WATCH_SECONDS: enough threads for KUBE_API_STREAMS_PER_PROCESS streams and 32
ordinary requests besides. Whatever `--threads` says, each worker tells the app its pool
size, and the app keeps an eighth of it (at least 2 threads) out of reach of streams, so
ordinary requests and /healthz are always served (playground/kubeapi/streams.py).
"""

import os

_streams = int(os.environ.get("KUBE_API_STREAMS_PER_PROCESS") or 200)

worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS") or 0) or _streams + 32


def post_worker_init(worker):
    import gc

    from config.warmup import CONNECTED_THREADS, connect_threads, warm_up
    from playground.kubeapi import streams

    streams.fit_thread_pool(worker.cfg.threads)
    warm_up()  # labs, scenarios, concepts, templates and the engine, before the first request
    if getattr(worker, "tpool", None) is not None:  # gthread's pool, made before this hook
        connect_threads(worker.tpool, min(CONNECTED_THREADS, worker.cfg.threads))
    # What the worker has loaded by now (Django, the app, their modules: about 70,000
    # objects) lives as long as the process: frozen, the cyclic collector's full passes no
    # longer walk it, so a pass costs what the requests allocate, not the whole heap.
    gc.collect()
    gc.freeze()
    # And a full pass at most every 100 second-generation passes (10 by default): a loaded
    # sandbox forms no reference cycle (playground/engine/backref.py), so what a request
    # allocates is freed by reference counting, and full passes find little to collect.
    gc.set_threshold(700, 10, 100)
