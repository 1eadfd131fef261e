# syntax=docker/dockerfile:1
# CotAi image: one image for every role (web, worker, beat, flower, migrate); compose.yaml picks
# the command. Build: docker build -t cotai:local .   (or docker compose build)

# --- builder: compilers and headers, only to build the virtualenv ------------------------------
FROM python:3.11-slim-bookworm AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

# Wheels exist for every pinned package on this platform; the compilers are here for the day one
# of them has to be built from source, and stay out of the runtime image.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential libpq-dev \
    && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

COPY requirements.txt /tmp/requirements.txt
RUN pip install -r /tmp/requirements.txt

# --- runtime: the virtualenv, the code, collected static files, a non-root user ----------------
FROM python:3.11-slim-bookworm AS runtime

ARG COTAI_UID=10001
ARG COTAI_GID=10001

# tini is PID 1: it forwards signals (graceful stop of gunicorn and celery) and reaps zombies.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid "${COTAI_GID}" cotai \
    && useradd --system --uid "${COTAI_UID}" --gid cotai --home-dir /home/cotai --create-home \
        --shell /usr/sbin/nologin cotai

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=cotai.settings \
    ENVIRONMENT=production \
    COTAI_VAR_DIR=/app/var \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/var/media \
    LOG_FORMAT=json

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
# Code and static files belong to root and are read-only for the cotai user.
COPY . /app

# Static files are collected into the image, hashed and pre-compressed, so every container of a
# release serves the same files. Settings load with ENVIRONMENT=build (not production) on this
# line only: no SECRET_KEY is needed, none is baked into a layer, and the throwaway var dir goes.
RUN ENVIRONMENT=build COTAI_VAR_DIR=/tmp/cotai-build python manage.py collectstatic --noinput --verbosity 0 \
    && rm -rf /tmp/cotai-build \
    && python -m compileall -q -j 0 /app \
    && mkdir -p /app/var/media /srv/static \
    && chown -R cotai:cotai /app/var /srv/static

# Numeric, so an orchestrator can verify "not root" without reading /etc/passwd.
USER ${COTAI_UID}:${COTAI_GID}

EXPOSE 8000

# The web role's check; compose.yaml gives the worker, beat and flower containers their own.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "/app/deploy/healthcheck.py", "web"]

ENTRYPOINT ["tini", "--"]
CMD ["gunicorn", "--config", "deploy/gunicorn.conf.py"]
