# The app's image: Django under gunicorn, static files collected and served by WhiteNoise.
# Built for the Helm chart in deploy/helm/vsphere-to-kubernetes, whose pods run it as user
# 10001 with a read-only root filesystem (Pod Security "restricted").
#
#   docker build -t vsphere-to-kubernetes:0.1.0 .

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install --requirement /tmp/requirements.txt

FROM python:3.11-slim
# graphviz: the `dot` program draws the diagrams; fonts-noto-cjk gives their Chinese labels
# (the /zh-hans/ pages) glyphs instead of empty boxes.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends graphviz fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /app --shell /usr/sbin/nologin app
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=config.settings \
    STATIC_ROOT=/app/staticfiles \
    DEBUG=false
WORKDIR /app
# The code stays owned by root: the app user reads it and writes nothing here.
COPY . /app
# collectstatic needs settings, not a database; the key below signs nothing and is not
# kept (the pods get theirs from the Secret).
RUN SECRET_KEY=collectstatic-only django-admin collectstatic --noinput
USER 10001:10001
EXPOSE 8000
# gunicorn.conf.py: threaded workers sized for the sandbox API's watches.
CMD ["gunicorn", "--config=/app/gunicorn.conf.py", "--bind=0.0.0.0:8000", "config.wsgi:application"]
