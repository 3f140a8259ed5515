# syntax=docker/dockerfile:1
# The shop as one image: daphne (scripts/serve) on $PORT, static files served by WhiteNoise.
#   docker build -t shop .
#   docker compose -f deploy/compose.yml up     (PostgreSQL, Redis, migrations, 2 workers, nginx)

# --- requirements: the pinned [project].dependencies of pyproject.toml ---------------------
# Only the dependency list moves on to the next stage, so editing other parts of
# pyproject.toml (tool settings, dev extras) does not invalidate the dependency layer.
FROM python:3.11-slim AS requirements
WORKDIR /build
COPY pyproject.toml ./
RUN python -c "import tomllib; \
deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; \
print('\n'.join(deps))" > requirements.txt

# --- deps: a virtualenv with the dependencies and nothing of the project --------------------
# The project itself is not pip-installed: settings find templates/ and static/ next to the
# code (BASE_DIR), so the code runs from /app as checked out, like `make run`.
FROM python:3.11-slim AS deps
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY --from=requirements /build/requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install --require-virtualenv -r /tmp/requirements.txt

# --- runtime ---------------------------------------------------------------------------------
FROM python:3.11-slim AS runtime
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH \
    HOST=0.0.0.0 \
    PORT=8000
RUN groupadd --system --gid 10001 shop \
    && useradd --system --uid 10001 --gid shop --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin shop
COPY --from=deps /opt/venv /opt/venv
WORKDIR /app
# The code stays owned by root: the worker only reads it (.dockerignore keeps secrets,
# databases and local artefacts out).
COPY . .
# collectstatic only needs the settings to load: a throwaway key for this one command, never
# an ENV of the image. The runtime SECRET_KEY comes from the environment (deploy/.env).
RUN SECRET_KEY=build-only-collectstatic-not-a-secret \
    python manage.py collectstatic --noinput -v 0 \
    && python -m compileall -q config shop chat llm metrics
USER 10001:10001
EXPOSE 8000
# daphne stops gracefully on SIGTERM: it closes its sockets (pages reconnect to another
# worker) and stores any running answer as `interrupted`. Give it stop_grace_period ≥ 30 s.
STOPSIGNAL SIGTERM
# /healthz checks the database and the channel layer. The probe sends an allowed Host (the
# first ALLOWED_HOSTS entry) and X-Forwarded-Proto: https, so neither ALLOWED_HOSTS nor
# SECURE_SSL_REDIRECT (behind TRUST_PROXY_PROTO) makes a healthy worker look unhealthy.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; h = os.environ.get('ALLOWED_HOSTS', 'localhost').split(',')[0].strip().lstrip('.'); h = 'localhost' if h in ('', '*') else h; u.urlopen(u.Request('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), headers={'Host': h, 'X-Forwarded-Proto': 'https'}), timeout=4)"]
CMD ["scripts/serve"]
