# One image for every service of docker-compose.yml: the backend (daphne), `runmcp <network>`,
# the session cleanup loop and Anvil. Node is only needed to fetch Anvil from the npm registry,
# so it stays in the first stage; the final image has Python, curl (health checks) and Anvil's
# native binary, and runs as a non-root user.

FROM node:20-bookworm-slim AS anvil
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error \
    && cp node_modules/@foundry-rs/anvil-linux-*/bin/anvil /usr/local/bin/anvil

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ANVIL_BIN=/usr/local/bin/anvil
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app

# Runtime packages only: requirements-dev.txt (tests, lint, types, plots) stays out.
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY --from=anvil /usr/local/bin/anvil /usr/local/bin/anvil
COPY . .
# Static files on disk: whitenoise serves them, and nginx can too (deploy/nginx.conf).
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput --verbosity 0

RUN useradd --system --uid 10001 --no-create-home --home-dir /app app
USER app

EXPOSE 8080
CMD ["sh", "-c", "python manage.py migrate --noinput && exec python -m chatproject.daphne --verbosity 0 -b 0.0.0.0 -p 8080 chatproject.asgi:application"]
